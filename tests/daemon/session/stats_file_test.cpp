#include "daemon/session/stats_file.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

using namespace clara;
using namespace clara::daemon;

TEST(StatsFile, FiguresRoundTripAsJsonAndPathsAreEscaped) {
  RunFigures f;
  f.startup_ms = 812.5;
  f.reactions_ns = {23'600'000, 41'200'000};
  f.output.late = 3;
  f.output.onset_error_p99_ns = 16'500;
  f.duet.answers = 2;
  f.session = "/tmp/a \"quoted\" \\ folder";
  const auto j = nlohmann::json::parse(stats_json(f));
  EXPECT_DOUBLE_EQ(j["startup_ms"].get<double>(), 812.5);
  ASSERT_EQ(j["reactions_ms"].size(), 2u);
  EXPECT_DOUBLE_EQ(j["reactions_ms"][1].get<double>(), 41.2);
  EXPECT_DOUBLE_EQ(j["reaction_max_ms"].get<double>(), 41.2);
  EXPECT_EQ(j["late"].get<int>(), 3);
  EXPECT_DOUBLE_EQ(j["onset_error_p99_us"].get<double>(), 16.5);
  EXPECT_EQ(j["answers"].get<int>(), 2);
  EXPECT_EQ(j["session"].get<std::string>(), f.session.string());
  RunFigures none;
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(stats_json(none))["reaction_max_ms"].get<double>(), -1.0);
}
