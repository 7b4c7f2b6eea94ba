// No allocation per onset, prediction or follower update: they run on the duet thread.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include "core/tempo/beat_tracker.hpp"
#include "core/tempo/clock_steering.hpp"
#include "core/tempo/midi_clock.hpp"
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

// The MIDI Clock follower too (this binary holds the one counting allocator of core/tempo's tests):
// ticks, transport, polls and steering updates.
TEST(MidiClockAlloc, TicksTransportAndSteeringDoNotAllocate) {
  MidiClock clock;
  ClockSteering steering;
  const long before = g_allocations;
  std::int64_t t = 0, frontier = 0, frontier_ns = 0;
  for (int i = 0; i < 2000; ++i) {
    if (i == 48) clock.message({0xFA}, t);
    if (i == 1000) clock.message({0xFC}, t);
    if (i == 1010) clock.message({0xF2, 4, 0}, t);
    if (i == 1020) clock.message({0xFB}, t);
    t += 20'833'333 + (i % 5) * 100'000;
    clock.message({0xF8}, t);
    clock.poll(t + 1'000'000);
    while (frontier_ns < t + 41'666'666) ++frontier, frontier_ns += 41'666'666;
    if (clock.locked() && clock.running()) steering.update(clock, {frontier, frontier_ns, 120, 12, 4});
  }
  EXPECT_EQ(g_allocations - before, 0);
}

}  // namespace
}  // namespace clara
