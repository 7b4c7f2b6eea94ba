// No allocation per onset, prediction or follower update: they run on the duet thread.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include "core/tempo/beat_tracker.hpp"
#include "core/tempo/tempo_follower.hpp"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
namespace {
thread_local long g_allocations = 0;
}
void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  ++g_allocations;
  return std::malloc(n ? n : 1);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace clara {
namespace {

TEST(BeatTrackerAlloc, OnsetsPredictionsAndUpdatesDoNotAllocate) {
  BeatTracker t{BeatTrackerConfig{}};
  TempoFollower f;
  const long before = g_allocations;
  std::int64_t at = 0;
  for (int i = 0; i < 500; ++i) {
    at += (i % 3 == 0) ? 10'000'000 : 250'000'000 + (i % 7) * 9'000'000;  // chords, jitter
    t.onset(at, 80);
    const BeatPrediction p = t.predict(at);
    f.update(p, {at, static_cast<double>(i), 120});
  }
  EXPECT_EQ(g_allocations - before, 0);
}

}  // namespace
}  // namespace clara
