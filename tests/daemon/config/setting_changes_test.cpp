#include "daemon/config/setting_changes.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace clara::daemon {
namespace {

const SettingChange* find(const std::vector<SettingChange>& changes, const std::string& key) {
  auto it = std::find_if(changes.begin(), changes.end(), [&](const SettingChange& c) { return c.key == key; });
  return it == changes.end() ? nullptr : &*it;
}

TEST(SettingChanges, TheSameSettingsDifferInNothing) {
  const DaemonSettings a;
  EXPECT_TRUE(setting_changes(a, a).empty());
}

TEST(SettingChanges, EachChangedKeyByItsFileNameWithBothValues) {
  DaemonSettings a, b;
  b.duet.bpm = 100;
  b.duet.sampler.temperature = 0.5;
  b.backend = "alsa";
  b.midi.outputs.front().connect = {"fluidsynth:.*"};
  b.control.udp_port = 9100;
  const auto c = setting_changes(a, b);
  ASSERT_EQ(c.size(), 5u);
  ASSERT_TRUE(find(c, "duet.tempo"));
  EXPECT_EQ(find(c, "duet.tempo")->before, "120.0");
  EXPECT_EQ(find(c, "duet.tempo")->after, "100.0");
  ASSERT_TRUE(find(c, "sampler.temperature"));
  EXPECT_EQ(find(c, "sampler.temperature")->after, "0.5");
  ASSERT_TRUE(find(c, "midi.backend"));
  EXPECT_EQ(find(c, "midi.backend")->after, "\"alsa\"");
  ASSERT_TRUE(find(c, "midi.output[0].connect"));
  EXPECT_NE(find(c, "midi.output[0].connect")->after.find("fluidsynth"), std::string::npos);
  ASSERT_TRUE(find(c, "control.udp_port"));
  EXPECT_EQ(find(c, "control.udp_port")->before, "9000");
}

TEST(SettingChanges, ARouteAddedShowsItsKeysAsNotSetBefore) {
  DaemonSettings a, b;
  b.routes.push_back(InstrumentRoute{});
  b.routes.back().channel = 4;
  const auto c = setting_changes(a, b);
  ASSERT_TRUE(find(c, "route[0].channel"));
  EXPECT_EQ(find(c, "route[0].channel")->before, "(not set)");
  EXPECT_EQ(find(c, "route[0].channel")->after, "5");
  ASSERT_TRUE(find(c, "route[0].instrument"));
}

TEST(SettingChanges, TheTokenIsComparedButNeverShown) {
  DaemonSettings a, b;
  a.control.token = "first-secret";
  b.control.token = "second-secret";
  auto c = setting_changes(a, b);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].key, "control.token");
  a.control.token.clear();  // from none to one: one change still
  c = setting_changes(a, b);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].key, "control.token");
  for (const auto& x : c) {
    EXPECT_EQ(x.before.find("secret"), std::string::npos);
    EXPECT_EQ(x.after.find("secret"), std::string::npos);
  }
}

}  // namespace
}  // namespace clara::daemon
