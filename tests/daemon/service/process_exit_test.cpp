#include "daemon/service/process_exit.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "daemon/service/startup_error.hpp"

using namespace clara::daemon;

TEST(ProcessExitDeathTest, EndsWithTheBodysCodeOrTheErrorsCode) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(run_and_exit([] { return 3; }), testing::ExitedWithCode(3), "");
  EXPECT_EXIT(run_and_exit([]() -> int { throw StartupError(66, "no model 'x'"); }), testing::ExitedWithCode(66),
              "no model 'x'");
  EXPECT_EXIT(run_and_exit([]() -> int { throw std::runtime_error("boom"); }), testing::ExitedWithCode(70), "boom");
}
