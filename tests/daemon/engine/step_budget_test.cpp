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
