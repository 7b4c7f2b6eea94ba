#include "core/tempo/clock_ticks.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "core/duet/tempo_map.hpp"

namespace clara {
namespace {

TEST(ClockTicks, TwentyFourAQuarterOnTheGridAtItsTempo) {
  TempoMap grid(12, 120.0, 1'000'000);  // a quarter = 500 ms, a step = 41.67 ms
  ClockTicks ticks(12);
  std::vector<std::int64_t> out;
  ticks.until(13, [&](std::int64_t s) { return grid.time_of(s); }, out);
  // Steps 0..12 are final: a tick every half step from step 0 to step 12, 25 in all.
  ASSERT_EQ(out.size(), 25u);
  for (std::size_t k = 0; k < out.size(); ++k)
    EXPECT_NEAR(static_cast<double>(out[k]), 1e6 + static_cast<double>(k) * 500e6 / 24, 1.0) << "tick " << k;
  // Asked again with nothing new: nothing; then on to the next step.
  ticks.until(13, [&](std::int64_t s) { return grid.time_of(s); }, out);
  EXPECT_EQ(out.size(), 25u);
  ticks.until(14, [&](std::int64_t s) { return grid.time_of(s); }, out);
  EXPECT_EQ(out.size(), 27u);
  EXPECT_EQ(ticks.ticks_given(), 27);
}

// A tick between two steps waits until both are final: the later one is the frontier, which a
// stall may still slide.
TEST(ClockTicks, ATickBetweenStepsWaitsForTheStepAfterIt) {
  TempoMap grid(12, 120.0);
  ClockTicks ticks(12);
  std::vector<std::int64_t> out;
  ticks.until(1, [&](std::int64_t s) { return grid.time_of(s); }, out);
  EXPECT_EQ(out, (std::vector<std::int64_t>{0}));
  ticks.until(2, [&](std::int64_t s) { return grid.time_of(s); }, out);
  EXPECT_EQ(out.size(), 3u);  // step 0, half way to 1, step 1
}

// The tempo map's changes carry over: after a change to 60 bpm at step 12, ticks are twice as
// far apart, and the ones before it keep their times.
TEST(ClockTicks, FollowsATempoChangeAndAStallOnTheGrid) {
  TempoMap grid(12, 120.0);
  grid.set_tempo(12, 60.0);
  grid.reanchor(24, grid.time_of(24) + 100'000'000);  // a stall slid step 24 on by 100 ms
  ClockTicks ticks(12);
  std::vector<std::int64_t> out;
  ticks.until(37, [&](std::int64_t s) { return grid.time_of(s); }, out);
  ASSERT_EQ(out.size(), 73u);
  EXPECT_EQ(out[23] - out[22], 500'000'000 / 24);
  EXPECT_EQ(out[25] - out[24], 1'000'000'000 / 24);
  EXPECT_EQ(out[24], 500'000'000);
  EXPECT_EQ(out[48], 1'600'000'000);  // two quarters after, plus the stall
}

TEST(ClockTicks, OtherGridsAndBadOnes) {
  TempoMap grid(4, 120.0);  // chordwise: 4 steps a quarter, 6 ticks a step
  ClockTicks ticks(4);
  std::vector<std::int64_t> out;
  ticks.until(5, [&](std::int64_t s) { return grid.time_of(s); }, out);
  ASSERT_EQ(out.size(), 25u);
  EXPECT_EQ(out[6], grid.time_of(1));
  EXPECT_EQ(out[7], grid.time_of(1) + 125'000'000 / 6);
  EXPECT_THROW(ClockTicks(0), std::invalid_argument);
  EXPECT_THROW(ClockTicks(97), std::invalid_argument);
}

}  // namespace
}  // namespace clara
