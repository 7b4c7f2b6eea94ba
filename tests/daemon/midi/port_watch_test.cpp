#include "daemon/midi/port_watch.hpp"

#include <gtest/gtest.h>

#include <set>

namespace clara::daemon {
namespace {

using Names = std::vector<std::string>;

TEST(PortWatch, ConnectsMatchingPortsOnceAndIgnoresOthers) {
  const PortPatterns patterns("outputs[0].connect", {"^synth:in$"});
  PortWatch w("clara:midi_out", patterns);
  auto s = w.scan({"synth:in", "other:in"});
  EXPECT_EQ(s.connect, Names{"synth:in"});
  EXPECT_FALSE(s.nothing_matches);
  w.connected("synth:in");
  s = w.scan({"synth:in", "other:in"});
  EXPECT_TRUE(s.connect.empty()) << "a connected port is not connected again";
  EXPECT_TRUE(s.vanished.empty());
}

TEST(PortWatch, ReportsAVanishedPortOnceAndReconnectsItWhenItReturns) {
  const PortPatterns patterns("outputs[0].connect", {"synth"});
  PortWatch w("clara:midi_out", patterns);
  w.scan({"synth:in"});
  w.connected("synth:in");
  auto s = w.scan({});
  EXPECT_EQ(s.vanished, Names{"synth:in"});
  s = w.scan({});
  EXPECT_TRUE(s.vanished.empty()) << "reported once";
  s = w.scan({"synth:in"});
  EXPECT_EQ(s.connect, Names{"synth:in"});
  EXPECT_EQ(s.returned, Names{"synth:in"});
}

TEST(PortWatch, PatternMatchingNothingAtStartIsReportedOnceThenConnectedWhenThePortAppears) {
  const PortPatterns patterns("connect_input", {"keyboard"});
  PortWatch w("clara:midi_in", patterns);
  auto s = w.scan({"other:out"});
  EXPECT_TRUE(s.nothing_matches);
  EXPECT_TRUE(s.connect.empty());
  s = w.scan({"other:out"});
  EXPECT_FALSE(s.nothing_matches) << "reported at the first scan only";
  s = w.scan({"other:out", "keyboard:out"});
  EXPECT_EQ(s.connect, Names{"keyboard:out"});
  EXPECT_TRUE(s.returned.empty()) << "new, not back";
}

TEST(PortWatch, FailedConnectionIsRetriedAtTheNextScan) {
  const PortPatterns patterns("outputs[0].connect", {"synth"});
  PortWatch w("clara:midi_out", patterns);
  auto s = w.scan({"synth:in"});
  ASSERT_EQ(s.connect, Names{"synth:in"});
  w.failed("synth:in");  // its client not active yet
  EXPECT_TRUE(w.retry_pending());
  s = w.scan({"synth:in"});
  EXPECT_EQ(s.connect, Names{"synth:in"});
  w.connected("synth:in");
  EXPECT_FALSE(w.retry_pending());
}

TEST(PortWatch, PortThatWentAndCameBackBetweenScansIsReconnectedButAManualDisconnectIsKept) {
  const PortPatterns patterns("outputs[0].connect", {"synth"});
  PortWatch w("clara:midi_out", patterns);
  w.scan({"synth:in"});
  w.connected("synth:in");
  // Our connection is gone but no port went away: a user disconnected it by hand.
  auto s = w.scan({"synth:in"}, false, [](const std::string&) { return false; });
  EXPECT_TRUE(s.connect.empty());
  // A port went away since the last scan and ours is not connected: it was replaced.
  s = w.scan({"synth:in"}, true, [](const std::string&) { return false; });
  EXPECT_EQ(s.connect, Names{"synth:in"});
  EXPECT_EQ(s.returned, Names{"synth:in"});
  EXPECT_EQ(s.vanished, Names{"synth:in"}) << "its going is reported too";
  w.failed("synth:in");  // it was on its way out: the connection fails
  s = w.scan({}, true, [](const std::string&) { return false; });
  EXPECT_TRUE(s.vanished.empty()) << "reported once";
  s = w.scan({"synth:in"});
  EXPECT_EQ(s.connect, Names{"synth:in"});
  w.connected("synth:in");
  // Still connected: nothing to do even when something else went away.
  s = w.scan({"synth:in"}, true, [](const std::string&) { return true; });
  EXPECT_TRUE(s.connect.empty());
}

TEST(PortWatch, ServerRestartMakesEveryPortNew) {
  const PortPatterns patterns("outputs[0].connect", {"synth"});
  PortWatch w("clara:midi_out", patterns);
  w.scan({"synth:in"});
  w.connected("synth:in");
  w.forget_all();
  auto s = w.scan({"synth:in"});
  EXPECT_EQ(s.connect, Names{"synth:in"});
  EXPECT_TRUE(s.vanished.empty()) << "the loss of the server was reported once, not each port";
}

TEST(PortWatch, NoPatternsNeverConnects) {
  const PortPatterns patterns("connect_input", {});
  PortWatch w("clara:midi_in", patterns);
  EXPECT_TRUE(w.empty());
  auto s = w.scan({"a:out", "b:out"});
  EXPECT_TRUE(s.connect.empty());
  EXPECT_FALSE(s.nothing_matches);
}

TEST(PortWatch, ReportsAPatternMatchingNothingAndEachVanishedPortNamingTheSystemAndSetting) {
  const PortPatterns patterns("outputs[0].connect", {"synth"});
  PortWatch w("clara:midi_out", patterns);
  testing::internal::CaptureStderr();
  w.report(w.scan({"other:in"}), "ALSA", "outputs[0].connect");
  std::string said = testing::internal::GetCapturedStderr();
  EXPECT_NE(said.find("no ALSA port matches outputs[0].connect yet; clara:midi_out is connected to one when it appears"),
            std::string::npos)
      << said;
  w.scan({"synth:in"});
  w.connected("synth:in");
  testing::internal::CaptureStderr();
  w.report(w.scan({}), "JACK", "outputs[0].connect");
  said = testing::internal::GetCapturedStderr();
  EXPECT_NE(said.find("JACK port synth:in went away (it was connected to clara:midi_out); connected again when it returns"),
            std::string::npos)
      << said;
  EXPECT_EQ(said.find("no JACK port matches"), std::string::npos) << "said once, at the first scan only";
}

}  // namespace
}  // namespace clara::daemon
