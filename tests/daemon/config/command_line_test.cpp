#include "daemon/config/command_line.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <unistd.h>

#include "clara_version.hpp"

using namespace clara;
using namespace clara::daemon;

TEST(CommandLine, EqualsFormAndSpaceFormAreTheSame) {
  DaemonSettings a, b;
  parse_command_line({"--tempo=96", "--mode=solo", "--channel=3", "--connect-in=kbd:.*", "--connect-in", "pad:.*"}, a);
  parse_command_line({"--tempo", "96", "--mode", "solo", "--channel", "3", "--connect-in", "kbd:.*", "--connect-in=pad:.*"}, b);
  EXPECT_DOUBLE_EQ(a.duet.bpm, 96);
  EXPECT_EQ(a.duet.mode, DuetMode::solo);
  EXPECT_EQ(a.duet.clara_channel, 2);
  EXPECT_EQ(a.midi.connect_input, (std::vector<std::string>{"kbd:.*", "pad:.*"}));
  EXPECT_EQ(b.duet.bpm, a.duet.bpm);
  EXPECT_EQ(b.duet.clara_channel, a.duet.clara_channel);
  EXPECT_EQ(b.midi.connect_input, a.midi.connect_input);
}

TEST(CommandLine, CandidatesAndCriticSetSoloRankingAndAreChecked) {
  DaemonSettings s;
  parse_command_line({"--candidates", "5", "--critic", "models/x"}, s);
  EXPECT_EQ(s.solo.candidates, 5);
  EXPECT_EQ(s.solo.critic, "models/x");
  for (const char* bad : {"0", "65", "-1", "two"}) {
    DaemonSettings t;
    EXPECT_THROW(parse_command_line({"--candidates", bad}, t), SettingsError) << bad;
  }
  DaemonSettings t;
  EXPECT_THROW(parse_command_line({"--critic", ""}, t), SettingsError);
}

// --meter N/D sets the bar's length in quarter notes (the grid's unit).
TEST(CommandLine, MeterSetsBeatsPerBar) {
  for (const auto& [text, quarters] : std::vector<std::pair<std::string, int>>{{"3/4", 3}, {"6/8", 3}, {"12/8", 6},
                                                                                {"2/2", 4}, {" 5 / 4 ", 5}}) {
    DaemonSettings s;
    parse_command_line({"--meter", text}, s);
    EXPECT_EQ(s.duet.beats_per_bar, quarters) << text;
  }
  DaemonSettings d;
  parse_command_line({}, d);
  EXPECT_EQ(d.duet.beats_per_bar, 4);
}

TEST(CommandLine, HelpAndVersionAnswerEvenWithABadConfigOrFlag) {
  DaemonSettings s;
  const auto help = parse_command_line({"--config", "/nonexistent/clarad.toml", "--tempo", "fast", "--help"}, s);
  EXPECT_TRUE(help.help);
  EXPECT_NE(help.help_text.find("--connect-in"), std::string::npos);
  EXPECT_NE(help.help_text.find("69"), std::string::npos);  // the exit codes are listed
  const auto version = parse_command_line({"--config", "/nonexistent/clarad.toml", "--version"}, s);
  EXPECT_TRUE(version.version);
  EXPECT_EQ(version.help_text, std::string("clarad ") + kVersion);
}

TEST(CommandLine, VerboseQuietAndLogLevel) {
  DaemonSettings s;
  parse_command_line({"--verbose"}, s);
  EXPECT_EQ(s.log_level, "debug");
  parse_command_line({"-q"}, s);
  EXPECT_EQ(s.log_level, "warning");
  parse_command_line({"--log-level=notice"}, s);
  EXPECT_EQ(s.log_level, "notice");
  EXPECT_THROW(parse_command_line({"--log-level", "loud"}, s), SettingsError);
  EXPECT_THROW(parse_command_line({"--verbose", "--quiet"}, s), SettingsError);
}

TEST(CommandLine, ConfigLogLevelIsReadAndChecked) {
  const std::string path = "/tmp/clara-cl-log-" + std::to_string(::getpid()) + ".toml";
  std::ofstream(path) << "[log]\nlevel = \"debug\"\n";
  DaemonSettings s;
  parse_command_line({"--config", path}, s);
  EXPECT_EQ(s.log_level, "debug");
  std::ofstream(path) << "[log]\nlevel = \"chatty\"\n";
  try {
    DaemonSettings t;
    parse_command_line({"--config", path}, t);
    ADD_FAILURE() << "accepted log.level chatty";
  } catch (const SettingsError& e) {
    EXPECT_NE(std::string(e.what()).find("log.level"), std::string::npos) << e.what();
  }
  std::remove(path.c_str());
}

// --sync: the four sources of issue 13; link only where the build has Ableton Link, and an
// unknown name is refused naming the ones there are.
TEST(CommandLine, SyncTakesTheFourSourcesAndRefusesOthersByName) {
  for (const char* source : {"internal", "midi-clock", "follow"}) {
    DaemonSettings s;
    parse_command_line({"--sync", source}, s);
    EXPECT_EQ(s.sync.source, source);
  }
  try {
    DaemonSettings s;
    parse_command_line({"--sync", "link"}, s);
    EXPECT_EQ(s.sync.source, "link");
  } catch (const SettingsError& e) {
    EXPECT_NE(std::string(e.what()).find("not in this build (built with CLARA_WITH_LINK=OFF)"), std::string::npos)
        << e.what();
  }
  DaemonSettings s;
  try {
    parse_command_line({"--sync", "metronome"}, s);
    ADD_FAILURE() << "--sync metronome was accepted";
  } catch (const SettingsError& e) {
    EXPECT_NE(std::string(e.what()).find("'metronome' is not internal, midi-clock, link or follow"), std::string::npos)
        << e.what();
  }
}
