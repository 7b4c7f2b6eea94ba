#include "core/duet/tempo_map.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace clara {
namespace {

TEST(TempoMap, StepsFromTheOriginAtTheTempo) {
  const TempoMap t(12, 120.0, 1'000'000'000);
  const double step_ns = 60e9 / (120.0 * 12);
  EXPECT_EQ(t.time_of(0), 1'000'000'000);
  EXPECT_EQ(t.time_of(7), 1'000'000'000 + std::llround(7 * step_ns));
  EXPECT_NEAR(t.step_at(t.time_of(40)), 40.0, 1e-6);
  EXPECT_EQ(t.bpm(), 120.0);
}

TEST(TempoMap, AChangeReanchorsWithoutMovingEarlierSteps) {
  TempoMap t(12, 120.0);
  const std::int64_t before = t.time_of(10);
  const std::int64_t at = t.time_of(24);
  t.set_tempo(24, 60.0);
  EXPECT_EQ(t.bpm(), 60.0);
  EXPECT_EQ(t.time_of(10), before);
  EXPECT_EQ(t.time_of(24), at);
  EXPECT_EQ(t.time_of(25), at + std::llround(60e9 / (60.0 * 12)));
  EXPECT_NEAR(t.step_at(t.time_of(30)), 30.0, 1e-6);
  EXPECT_NEAR(t.step_at(t.time_of(12)), 12.0, 1e-6);
}

TEST(TempoMap, ASecondChangeAtTheSameStepReplacesTheFirst) {
  TempoMap a(12, 120.0), b(12, 120.0);
  a.set_tempo(8, 200.0);
  a.set_tempo(8, 90.0);
  b.set_tempo(8, 90.0);
  for (std::int64_t s : {0, 8, 9, 50}) EXPECT_EQ(a.time_of(s), b.time_of(s));
  EXPECT_EQ(a.bpm(), 90.0);
}

}  // namespace
}  // namespace clara

namespace clara {
namespace {

TEST(TempoMap, ReanchorSlidesTheGridLaterAndTheGapWaitsAtTheAnchoredStep) {
  TempoMap map(12, 120.0);  // 41.67 ms steps
  const std::int64_t step_ns = map.time_of(1);
  const std::int64_t t9 = map.time_of(9), t10 = map.time_of(10);
  map.reanchor(10, t10 + 1'000'000'000);
  EXPECT_EQ(map.time_of(9), t9) << "steps before the anchor keep their times";
  EXPECT_EQ(map.time_of(10), t10 + 1'000'000'000);
  EXPECT_NEAR(static_cast<double>(map.time_of(11) - map.time_of(10)), static_cast<double>(step_ns), 2.0)
      << "the tempo is kept";
  // Inside the gap the grid stands at step 10.
  EXPECT_DOUBLE_EQ(map.step_at(map.time_of(10) - 500'000'000), 10.0);
  EXPECT_NEAR(map.step_at(map.time_of(10) + step_ns / 2), 10.5, 1e-6);
  EXPECT_NEAR(map.step_at(5 * step_ns), 5.0, 1e-6);
  EXPECT_DOUBLE_EQ(map.bpm(), 120.0);
}

}  // namespace
}  // namespace clara
