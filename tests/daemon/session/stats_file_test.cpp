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

TEST(StatsFile, TheSafetyCountersAreInTheFile) {
  RunFigures f;
  f.output.input_dropped = 1;
  f.output.refused_note_ons = 2;
  f.output.retried_note_offs = 3;
  f.output.write_failed = 4;
  f.duet.stalls = 5;
  f.duet.stalled_ns = 6'500'000;
  const auto j = nlohmann::json::parse(stats_json(f));
  EXPECT_EQ(j["input_dropped"].get<int>(), 1);
  EXPECT_EQ(j["refused_note_ons"].get<int>(), 2);
  EXPECT_EQ(j["retried_note_offs"].get<int>(), 3);
  EXPECT_EQ(j["write_failed"].get<int>(), 4);
  EXPECT_EQ(j["stalls"].get<int>(), 5);
  EXPECT_DOUBLE_EQ(j["stalled_ms"].get<double>(), 6.5);
}
