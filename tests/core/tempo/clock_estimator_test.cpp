#include "core/tempo/clock_estimator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "tests/core/tempo/clock_master.hpp"

namespace clara {
namespace {

using testing::ClockMaster;

// Feeds ticks 0..n-1 and returns, from tick `from` on, the worst error of the prediction
// made `ahead` ticks before each tick's true time (what the daemon steers by).
double worst_prediction_error_ms(const ClockMaster& m, int n, int from, int ahead, double jitter_ms, unsigned seed) {
  ClockEstimator e;
  const auto arrivals = m.arrivals(0, n - 1, jitter_ms, seed);
  double worst = 0;
  for (int i = 0; i < n; ++i) {
    e.tick(i, arrivals[static_cast<std::size_t>(i)]);
    if (i >= from && i + ahead < n)
      worst = std::max(worst, std::abs(e.time_of(i + ahead) - m.time_of(i + ahead)) / 1e6);
  }
  return worst;
}

TEST(ClockEstimator, ExactTicksGiveTheExactTempoAndPhase) {
  ClockMaster m;
  m.bpm0 = m.bpm1 = 177;
  ClockEstimator e;
  for (int i = 0; i < 48; ++i) e.tick(i, std::llround(m.time_of(i)));
  EXPECT_NEAR(e.bpm(), 177, 1e-6);
  EXPECT_NEAR(e.time_of(100), m.time_of(100), 100);  // ns
  EXPECT_NEAR(e.index_at(std::llround(m.time_of(73.5))), 73.5, 1e-6);
}

TEST(ClockEstimator, RejectsOneMillisecondJitterAt90And120And177Bpm) {
  for (double bpm : {90.0, 120.0, 177.0}) {
    ClockMaster m;
    m.bpm0 = m.bpm1 = bpm;
    // After two bars (192 ticks), predicting 5 ticks ahead (clarad's commit horizon on a
    // 12-step grid) and half a beat ahead.
    EXPECT_LT(worst_prediction_error_ms(m, 24 * 32, 192, 5, 1.0, 7), 0.8) << bpm << " bpm";
    EXPECT_LT(worst_prediction_error_ms(m, 24 * 32, 192, 12, 1.0, 7), 1.2) << bpm << " bpm";
  }
}

TEST(ClockEstimator, FollowsARamp100To140OverEightBars) {
  ClockMaster m;
  m.bpm0 = 100, m.bpm1 = 140, m.ramp_from = 24 * 16, m.ramp_ticks = 24 * 32;
  EXPECT_LT(worst_prediction_error_ms(m, 24 * 64, 192, 5, 1.0, 11), 3.0);
}

TEST(ClockEstimator, CountsTicksAcrossAGapAndPredictsThroughIt) {
  ClockMaster m;
  ClockEstimator e;
  const auto a = m.arrivals(0, 200, 1.0, 3);
  for (int i = 0; i < 100; ++i) e.tick(i, a[static_cast<std::size_t>(i)]);
  // Ticks 100..109 lost; 110 on arrive.
  EXPECT_NEAR(e.time_of(110), m.time_of(110), 1.5e6);
  for (int i = 110; i <= 200; ++i) EXPECT_TRUE(e.tick(i, a[static_cast<std::size_t>(i)]));
  EXPECT_NEAR(e.bpm(), 120, 0.2);
}

TEST(ClockEstimator, SkipsAnOutlierAndResetsAfterATempoJump) {
  ClockMaster m;
  ClockEstimator e;
  for (int i = 0; i < 48; ++i) e.tick(i, std::llround(m.time_of(i)));
  EXPECT_FALSE(e.tick(48, std::llround(m.time_of(48)) + 15'000'000));  // 15 ms late: one bad tick
  EXPECT_NEAR(e.bpm(), 120, 1e-6);
  // The master jumps to 60 bpm: three ticks far off, then a new estimate.
  const double p = 60e9 / (60 * 24);
  const double t0 = m.time_of(48);
  for (int k = 1; k <= 6; ++k) e.tick(48 + k, std::llround(t0 + k * p));
  EXPECT_NEAR(e.bpm(), 60, 0.5);
}

TEST(ClockEstimator, RefusesBadConfigNamingTheField) {
  ClockEstimatorConfig c;
  c.jitter_ms = 0;
  try {
    ClockEstimator e(c);
    FAIL() << "accepted jitter_ms = 0";
  } catch (const std::invalid_argument& ex) {
    EXPECT_NE(std::string(ex.what()).find("jitter_ms"), std::string::npos);
  }
}

}  // namespace
}  // namespace clara
