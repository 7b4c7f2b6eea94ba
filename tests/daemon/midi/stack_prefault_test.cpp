#include "daemon/midi/stack_prefault.hpp"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <cstddef>

namespace clara::daemon {
namespace {

long minor_faults() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return u.ru_minflt;
}

// A deep call as the output path might make one: 96 KiB of stack, every page written.
__attribute__((noinline)) void deep_call() {
  volatile unsigned char frame[96 * 1024];
  for (std::size_t i = 0; i < sizeof frame; i += 1024) frame[i] = 1;
}

struct Run {
  bool prefault = false;
  long faults_in_deep_call = -1;
};

void* thread_main(void* arg) {
  auto* run = static_cast<Run*>(arg);
  if (run->prefault) prefault_stack();
  const long before = minor_faults();
  deep_call();
  run->faults_in_deep_call = minor_faults() - before;
  return nullptr;
}

// On a stack of its own, freshly mapped and never touched (a thread library may reuse a cached
// stack whose pages are already in), so that the faults are those of this run.
long faults_in_deep_call(bool prefault) {
  constexpr std::size_t kStack = 1 << 20;
  void* stack = mmap(nullptr, kStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  EXPECT_NE(stack, MAP_FAILED);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstack(&attr, stack, kStack);
  Run run{prefault};
  pthread_t t;
  EXPECT_EQ(pthread_create(&t, &attr, thread_main, &run), 0);
  pthread_join(t, nullptr);
  pthread_attr_destroy(&attr);
  munmap(stack, kStack);
  return run.faults_in_deep_call;
}

TEST(StackPrefault, ADeepCallOnAPrefaultedStackTakesNoPageFault) {
  const long cold = faults_in_deep_call(false);
  const long warm = faults_in_deep_call(true);
  // 96 KiB is 24 pages: a cold stack faults on nearly each (the measurement works) ...
  EXPECT_GE(cold, 16) << "a cold stack took " << cold << " page faults in the deep call";
  // ... a prefaulted one on none, give or take a page of the measurement's own.
  EXPECT_LE(warm, 2) << "a prefaulted stack took " << warm << " page faults in the deep call";
}

}  // namespace
}  // namespace clara::daemon
