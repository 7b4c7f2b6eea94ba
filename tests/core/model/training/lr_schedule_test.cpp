#include "core/model/training/lr_schedule.hpp"

#include <gtest/gtest.h>

namespace clara::model {
namespace {

TEST(LrSchedule, TriangleRisesOverFirstTenthAndFallsBack) {
  LrSchedule s;
  s.peaks = {3e-3, 3e-4};
  const std::int64_t n = 200;
  EXPECT_NEAR(s.at(0, 0, n), 3e-3 / 32, 1e-12);
  EXPECT_NEAR(s.at(0, 20, n), 3e-3, 1e-12);  // the peak, 1/10 of the way in
  EXPECT_NEAR(s.at(0, 10, n), (3e-3 / 32 + 3e-3) / 2, 1e-12);  // linear rise
  EXPECT_NEAR(s.at(0, 110, n), (3e-3 / 32 + 3e-3) / 2, 1e-12);  // linear fall
  EXPECT_NEAR(s.at(0, 200, n), 3e-3 / 32, 1e-12);
  EXPECT_NEAR(s.at(0, 500, n), 3e-3 / 32, 1e-12);  // epochs ran long: stay at the floor
  EXPECT_NEAR(s.at(1, 20, n), 3e-4, 1e-12);          // second stage has its own peak
  for (std::int64_t i = 1; i <= 20; ++i) EXPECT_GT(s.at(0, i, n), s.at(0, i - 1, n));
  for (std::int64_t i = 21; i <= 200; ++i) EXPECT_LT(s.at(0, i, n), s.at(0, i - 1, n));
}

TEST(LrSchedule, RejectsUnknownStageAndEmptyStage) {
  LrSchedule s;
  EXPECT_THROW(s.at(4, 0, 10), std::out_of_range);
  EXPECT_THROW(s.at(0, 0, 0), std::invalid_argument);
}

}  // namespace
}  // namespace clara::model
