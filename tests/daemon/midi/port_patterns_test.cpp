#include "daemon/midi/port_patterns.hpp"

#include <gtest/gtest.h>

#include "daemon/midi/midi_backend.hpp"

namespace clara::daemon {
namespace {

// A plain name matches as a whole word, so the README's system:midi_capture_1 is one port.
TEST(PortPatterns, APlainNameMatchesItselfOrAWholeWordNeverALongerNumber) {
  const PortPatterns p("connect_input", {"system:midi_capture_1"});
  EXPECT_TRUE(p.matches("system:midi_capture_1"));
  EXPECT_FALSE(p.matches("system:midi_capture_10"));
  EXPECT_FALSE(p.matches("system:midi_capture_12"));
  EXPECT_FALSE(p.matches("mysystem:midi_capture_1"));
  const PortPatterns word("connect_input", {"Keystation"});
  EXPECT_TRUE(word.matches("Keystation 49:Keystation 49 MIDI 1 20:0"));
  EXPECT_TRUE(word.matches("a2j:Keystation [20] (capture): Keystation MIDI 1"));
  EXPECT_FALSE(word.matches("Keystations:out"));
  const PortPatterns synth("connect_out", {"fluidsynth:midi_00"});
  EXPECT_TRUE(synth.matches("fluidsynth:midi_00"));
  EXPECT_FALSE(synth.matches("fluidsynth:midi_001"));
}

TEST(PortPatterns, ARegexIsSearchedAnywhereAndAnchorsMakeItExact) {
  const PortPatterns any("connect_input", {"kbd.*"});
  EXPECT_TRUE(any.matches("my-kbd:out"));
  const PortPatterns exact("connect_input", {"^kb:out$"});
  EXPECT_TRUE(exact.matches("kb:out"));
  EXPECT_FALSE(exact.matches("kb:out2"));
  const PortPatterns digits("connect_input", {"^duo[0-9]*:out$"});
  EXPECT_TRUE(digits.matches("duo12:out"));
  EXPECT_FALSE(PortPatterns("connect_input", {}).matches("anything"));
  EXPECT_TRUE(PortPatterns("connect_input", {"nope", "^x$"}).matches("x")) << "any of several patterns";
}

TEST(PortPatterns, AMalformedRegexIsAnErrorNamingTheSettingAndPattern) {
  try {
    PortPatterns("outputs[0].connect", {"ok", "synth(["});
    FAIL() << "accepted";
  } catch (const BackendError& e) {
    EXPECT_NE(std::string(e.what()).find("outputs[0].connect[1]: bad port pattern 'synth(['"), std::string::npos) << e.what();
  }
}

TEST(ConnectionPatterns, AReloadsPatternsAreParsedForEveryPortOrRefusedWithTheReason) {
  ConnectionPatterns out;
  EXPECT_EQ(parse_connection_patterns({"kbd"}, {{"synth"}}, 1, out), std::nullopt);
  ASSERT_TRUE(out.input.has_value());
  EXPECT_TRUE(out.input->matches("kbd:out"));
  ASSERT_EQ(out.outputs.size(), 1u);
  EXPECT_TRUE(out.outputs[0].matches("synth:in"));
  EXPECT_FALSE(out.outputs[0].matches("kbd:out"));

  ConnectionPatterns untouched;
  const auto count = parse_connection_patterns({}, {{"a"}, {"b"}}, 1, untouched);
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ(*count, "clarad has 1 output port(s); another number needs a restart");
  EXPECT_FALSE(untouched.input.has_value()) << "nothing taken from a refused set";
  const auto bad = parse_connection_patterns({}, {{"ok"}, {"synth(["}}, 2, untouched);
  ASSERT_TRUE(bad.has_value());
  EXPECT_NE(bad->find("outputs[1].connect[0]"), std::string::npos) << *bad;
  EXPECT_FALSE(untouched.input.has_value());
}

TEST(PendingConnections, TheNewestSetOfferedIsTakenOnceAndARefusedOneLeavesItWaiting) {
  PendingConnections pending;
  EXPECT_FALSE(pending.take().has_value()) << "nothing offered";
  EXPECT_EQ(pending.offer({"old"}, {{}}, 1), std::nullopt);
  EXPECT_EQ(pending.offer({"new"}, {{"synth"}}, 1), std::nullopt);
  EXPECT_TRUE(pending.offer({"bad("}, {{}}, 1).has_value());
  const auto taken = pending.take();
  ASSERT_TRUE(taken.has_value());
  EXPECT_TRUE(taken->input->matches("new:out"));
  EXPECT_FALSE(taken->input->matches("old:out"));
  EXPECT_TRUE(taken->outputs[0].matches("synth:in"));
  EXPECT_FALSE(pending.take().has_value()) << "taken once";
}

}  // namespace
}  // namespace clara::daemon
