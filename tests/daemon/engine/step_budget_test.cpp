#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include "daemon/engine/step_budget.hpp"

using namespace clara;
using namespace clara::daemon;

TEST(StepBudget, VerdictFromTheFigures) {
  StepTiming t;
  t.p50_us = 50;
  t.p99_us = 100;
  auto v = check_step_budget(t, 120, 12, 4);  // grid step 41667 us
  EXPECT_TRUE(v.fits);
  EXPECT_NEAR(v.grid_step_us, 41666.7, 0.1);
  t.p99_us = 12000;  // 48 ms of work per 41.7 ms step
  v = check_step_budget(t, 120, 12, 4);
  EXPECT_FALSE(v.fits);
  EXPECT_NE(v.message.find("does not fit"), std::string::npos);
}

TEST(StepBudget, CountsTheWorkOfARollbackNotOnlyTheStepsTokens) {
  StepTiming t;
  t.p50_us = 5000;
  t.p99_us = 8000;  // 4 tokens alone: 32 ms, fits a 41.7 ms step at 120 bpm
  t.restore_p99_us = 500;
  const auto v = check_step_budget(t, 120, 12, 4);
  EXPECT_DOUBLE_EQ(v.needed_us, 8000 * (4 + kRollbackTokens) + 500);
  EXPECT_FALSE(v.fits) << "a rollback's cut wait, the human's token and the restore leave no room";
  EXPECT_NE(v.message.find("rollback"), std::string::npos) << v.message;
}
