// The output path runs in the JACK process callback or the clock thread, where a
// heap call can block on the allocator's lock (issue: no allocation over 10^6
// cycles after warm-up). Every allocation route is counted while a window is
// open: global operator new and the C malloc family. The counters are
// process-wide but count only inside the window, so the rest of the suite is
// unaffected. Under AddressSanitizer the malloc family belongs to ASan, so the
// hook is left out and the test skips (the plain build and CI run it).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <new>
#include <random>
#include <vector>

#include "daemon/midi/input_queue.hpp"
#include "daemon/midi/output_queue.hpp"
#include "daemon/midi/output_scheduler.hpp"
#include "daemon/midi/sounding_journal.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define CLARA_ALLOC_HOOK 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CLARA_ALLOC_HOOK 0
#endif
#endif
#ifndef CLARA_ALLOC_HOOK
#define CLARA_ALLOC_HOOK 1
#endif

namespace {

std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};

[[maybe_unused]] void note_allocation() {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

#if CLARA_ALLOC_HOOK
// glibc's allocator under its exported internal names, so no dlsym is needed.
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);

void* malloc(std::size_t n) {
  note_allocation();
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t s) {
  note_allocation();
  return __libc_calloc(n, s);
}
void* realloc(void* p, std::size_t n) {
  note_allocation();
  return __libc_realloc(p, n);
}
void free(void* p) { __libc_free(p); }
void* memalign(std::size_t a, std::size_t n) {
  note_allocation();
  return __libc_memalign(a, n);
}
void* aligned_alloc(std::size_t a, std::size_t n) {
  note_allocation();
  return __libc_memalign(a, n);
}
int posix_memalign(void** out, std::size_t a, std::size_t n) {
  note_allocation();
  void* p = __libc_memalign(a, n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}
}

void* operator new(std::size_t n) {
  note_allocation();
  if (void* p = __libc_malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
  note_allocation();
  if (void* p = __libc_memalign(static_cast<std::size_t>(a), n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t) noexcept { __libc_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { __libc_free(p); }
#endif

namespace clara::daemon {
namespace {

template <class F>
long count_allocations(F&& f) {
  g_allocations = 0;
  g_counting = true;
  f();
  g_counting = false;
  return g_allocations.load();
}

TEST(OutputSchedulerAllocations, CounterSeesNewAndMalloc) {
  if (!CLARA_ALLOC_HOOK) GTEST_SKIP() << "allocation hook left out under AddressSanitizer";
  std::vector<int>* v = nullptr;
  void* raw = nullptr;
  const long n = count_allocations([&] {
    v = new std::vector<int>(100);
    raw = std::malloc(16);
  });
  delete v;
  std::free(raw);
  EXPECT_GE(n, 3);
}

// A realistic stream: a 12-per-quarter grid at 120 bpm (41.7 ms steps), chords
// of up to four notes with note-offs a few steps later, controller moves, both
// caps on, over 10^6 JACK periods of 128 frames at 48 kHz (about 44 minutes of
// music). Messages are drawn before the window opens.
TEST(OutputSchedulerAllocations, NoneInAMillionCyclesAfterWarmUp) {
  if (!CLARA_ALLOC_HOOK) GTEST_SKIP() << "allocation hook left out under AddressSanitizer";
  std::vector<OutputPortSettings> ports(2);
  ports[0].max_note_ms = 800;
  ports[0].max_polyphony = 6;
  auto scheduler = std::make_unique<OutputScheduler>(ports, 0xFFFF);

  constexpr std::int64_t kPeriodNs = 128LL * 1'000'000'000 / 48'000;
  constexpr std::int64_t kStepNs = 41'666'667;
  constexpr int kCycles = 1'000'000;
  std::mt19937 rng(7);
  std::vector<TimedMessage> stream;
  for (std::int64_t t = 0; t < kCycles * kPeriodNs; t += kStepNs) {
    const auto port = static_cast<std::uint8_t>(rng() % 2);
    for (int n = static_cast<int>(rng() % 5); n > 0; --n) {
      const auto key = static_cast<std::uint8_t>(40 + rng() % 48);
      const std::int64_t len = kStepNs * (1 + static_cast<std::int64_t>(rng() % 30));
      stream.push_back({t, {0x90, key, 80}, port});
      stream.push_back({t + len, {0x80, key, 0}, port});
    }
    if (rng() % 8 == 0) stream.push_back({t, {0xB0, 1, static_cast<std::uint8_t>(rng() % 128)}, port});
  }
  // Committed in order of due time, as the inference thread commits them.
  std::stable_sort(stream.begin(), stream.end(),
                   [](const TimedMessage& a, const TimedMessage& b) { return a.time_ns < b.time_ns; });

  std::size_t next = 0;
  std::uint64_t written = 0;
  auto sink = [&](int, std::uint32_t, ShortMessage) { ++written; };
  // Messages are handed over about 80 ms before they are due.
  auto cycle = [&](int c) {
    const std::int64_t start = c * kPeriodNs;
    while (next < stream.size() && stream[next].time_ns < start + 80'000'000)
      scheduler->accept(stream[next++]);
    if (c % 200'000 == 100'000) scheduler->request_panic();  // a mode change now and then
    scheduler->run_cycle(start, start + kPeriodNs, 128, sink);
  };
  for (int c = 0; c < 1000; ++c) cycle(c);  // warm-up
  const long allocations = count_allocations([&] {
    for (int c = 1000; c < kCycles + 1000; ++c) cycle(c);
  });
  EXPECT_EQ(allocations, 0) << "allocations in 10^6 run_cycle calls";
  EXPECT_GT(written, stream.size() / 2);  // the stream really went through (caps drop some)
  EXPECT_EQ(scheduler->stats().late, 0u);
}

// The paths that keep a note-off from being lost: messages taken off the
// OutputQueue (stamped with panic epochs), note-ons refused above the
// high-water marks, port writes that fail (a port buffer of 24 events a cycle,
// and a failure now and then) so that note-offs are retried and panics go on
// over several cycles, under the start-up panic on every channel.
TEST(OutputSchedulerAllocations, NoneWhenWritesFailQueuesFillAndPanicsDoNotFit) {
  if (!CLARA_ALLOC_HOOK) GTEST_SKIP() << "allocation hook left out under AddressSanitizer";
  std::vector<OutputPortSettings> ports(2);
  ports[0].max_note_ms = 800;
  ports[0].max_polyphony = 6;
  ports[1].max_note_ms = 0;
  ports[1].max_polyphony = 0;
  auto scheduler = std::make_unique<OutputScheduler>(ports, 0xFFFF);
  auto queue = std::make_unique<OutputQueue>();

  constexpr std::int64_t kPeriodNs = 128LL * 1'000'000'000 / 48'000;
  constexpr std::int64_t kStepNs = 41'666'667;
  constexpr int kCycles = 1'000'000;
  std::mt19937 rng(9);
  std::vector<TimedMessage> stream;
  for (std::int64_t t = 0; t < kCycles * kPeriodNs; t += kStepNs) {
    const auto port = static_cast<std::uint8_t>(rng() % 2);
    // Now and then a cluster far bigger than a port buffer.
    for (int n = static_cast<int>(rng() % (rng() % 50 == 0 ? 40 : 5)); n > 0; --n) {
      const auto key = static_cast<std::uint8_t>(30 + rng() % 70);
      const std::int64_t len = kStepNs * (1 + static_cast<std::int64_t>(rng() % 30));
      stream.push_back({t, {0x90, key, 80}, port});
      stream.push_back({t + len, {0x80, key, 0}, port});
    }
    if (rng() % 8 == 0) stream.push_back({t, {0xB0, 64, static_cast<std::uint8_t>(rng() % 128)}, port});
  }
  std::stable_sort(stream.begin(), stream.end(),
                   [](const TimedMessage& a, const TimedMessage& b) { return a.time_ns < b.time_ns; });
  std::vector<std::uint8_t> fail(1 << 16);
  for (auto& f : fail) f = rng() % 20 == 0;

  std::size_t next = 0, draw = 0;
  std::uint64_t written = 0;
  int room = 0;
  auto sink = [&](int, std::uint32_t, ShortMessage) {
    if (room == 0 || fail[draw++ & 0xFFFF]) return false;
    --room;
    ++written;
    return true;
  };
  auto cycle = [&](int c) {
    const std::int64_t start = c * kPeriodNs;
    // Pushed about 80 ms ahead, as the inference thread pushes; what does not fit waits.
    while (next < stream.size() && stream[next].time_ns < start + 80'000'000 &&
           queue->push(stream[next], scheduler->panic_epoch()) != OutputQueue::Push::full)
      ++next;
    if (c % 200'000 == 100'000) scheduler->request_panic();
    room = 24;
    scheduler->run_cycle(*queue, start, start + kPeriodNs, 128, sink);
  };
  for (int c = 0; c < 1000; ++c) cycle(c);  // warm-up
  const long allocations = count_allocations([&] {
    for (int c = 1000; c < kCycles + 1000; ++c) cycle(c);
  });
  EXPECT_EQ(allocations, 0) << "allocations in 10^6 run_cycle calls";
  EXPECT_GT(written, stream.size() / 2);
  const auto st = scheduler->stats();
  EXPECT_GT(st.retried_note_offs, 0u);
  EXPECT_GT(st.write_failed, 0u);
  EXPECT_TRUE(scheduler->startup_panic_done());
}

// The crash ledger's journal is fed from the same real-time path.
TEST(OutputSchedulerAllocations, NoneWhenJournallingWrittenNotes) {
  if (!CLARA_ALLOC_HOOK) GTEST_SKIP() << "allocation hook left out under AddressSanitizer";
  auto journal = std::make_unique<SoundingJournal>();
  const long n = count_allocations([&] {
    for (int i = 0; i < 20000; ++i) {  // more than it holds: a full queue counts, never allocates
      journal->written(i % 8, ShortMessage{static_cast<std::uint8_t>(0x90 | (i % 16)), static_cast<std::uint8_t>(i % 128), 90});
      journal->written(i % 8, ShortMessage{0xB0, 64, 0});
    }
  });
  EXPECT_EQ(n, 0);
  EXPECT_EQ(journal->lost(), 20000u - SoundingJournal::kCapacity);  // it holds kCapacity
}

// The input queue's push runs in the JACK process callback and RtMidi's input thread.
TEST(OutputSchedulerAllocations, NoneWhenTheInputQueueFillsAndDrains) {
  if (!CLARA_ALLOC_HOOK) GTEST_SKIP() << "allocation hook left out under AddressSanitizer";
  auto queue = std::make_unique<InputQueue>();
  TimedMessage m{0, ShortMessage{0x90, 60, 90}, 0};
  const long n = count_allocations([&] {
    for (int round = 0; round < 3; ++round) {
      for (std::size_t i = 0; i < InputQueue::kCapacity + 100; ++i) queue->push(m);  // the last 100 dropped
      while (queue->pop(m)) {
      }
    }
  });
  EXPECT_EQ(n, 0);
  EXPECT_EQ(queue->dropped(), 300u);
}

}  // namespace
}  // namespace clara::daemon
