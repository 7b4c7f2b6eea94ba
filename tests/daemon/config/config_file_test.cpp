// The config loader's strictness: every problem of a file in one run, one line each
// ("FILE:LINE:COLUMN: KEY: WHY"), exit code 78, nothing changed on failure; and the guards
// in front of toml++ (size, nesting, UTF-8).
#include "daemon/config/config_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "daemon/config/command_line.hpp"
#include "daemon/config/toml_guard.hpp"
#include "tests/daemon/config/config_problem.hpp"

namespace fs = std::filesystem;
using namespace clara;
using namespace clara::daemon;
using test::has_problem;
using test::problem_count;

namespace {

struct Outcome {
  std::string error;  // "" when accepted
  int exit_code = 0;
  DaemonSettings settings;
  SettingSources sources;
};

Outcome load(const std::string& text, const std::string& name = "clarad.toml") {
  Outcome o;
  try {
    load_config_text(text, name, o.settings, &o.sources);
  } catch (const SettingsError& e) {
    o.error = e.what();
    o.exit_code = e.exit_code();
  }
  return o;
}

fs::path write_temp(const std::string& text) {
  static int n = 0;
  const fs::path p =
      fs::temp_directory_path() / ("clara-cfgfile-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".toml");
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(ConfigFile, EveryProblemOfTheFileIsReportedInOneRunOneLineEach) {
  const Outcome o = load(
      "[control]\n"
      "udp_port = 70000\n"            // 2: out of range
      "[[route]]\n"
      "channel = 0\n"                 // 4
      "[[route]]\n"
      "channel = 17\n"                // 6
      "[sampler]\n"
      "temperature = nan\n"           // 8
      "[duet]\n"
      "tempo_bpm = 100\n"             // 10: unknown key
      "answer_bars = \"two\"\n"       // 11: wrong type
      "[[route]]\n"
      "instrument = \"p\"\n"          // 13: a second route for p (the first two have no instrument: "p")
      "[midi]\n"
      "backend = \"coreaudio\"\n");   // 15
  EXPECT_EQ(o.exit_code, 78);
  EXPECT_EQ(problem_count(o.error), 9) << o.error;
  EXPECT_TRUE(has_problem(o.error, "clarad.toml", 2, "control.udp_port: must be an integer in 0..65535 (got 70000)"))
      << o.error;
  EXPECT_TRUE(has_problem(o.error, "clarad.toml", 4, "route[0].channel: must be an integer in 1..16 (got 0)"))
      << o.error;
  EXPECT_TRUE(has_problem(o.error, "clarad.toml", 6, "route[1].channel: must be an integer in 1..16 (got 17)"))
      << o.error;
  EXPECT_TRUE(has_problem(o.error, "clarad.toml", 5,
                          "route[1].instrument: 'p' already has a route: route[0] at line 3 (no instrument key: \"p\")"))
      << o.error;
  EXPECT_TRUE(has_problem(o.error, "clarad.toml", 8, "sampler.temperature: must be a number in [0.05, 5] (got nan)"))
      << o.error;
  EXPECT_TRUE(has_problem(o.error, "clarad.toml", 10, "duet.tempo_bpm: unknown key (known here: mode, tempo,"))
      << o.error;
  EXPECT_TRUE(has_problem(o.error, "clarad.toml", 11, "duet.answer_bars: must be an integer in 1..64")) << o.error;
  EXPECT_TRUE(has_problem(o.error, "clarad.toml", 13,
                          "route[2].instrument: 'p' already has a route: route[0] at line 3; one [[route]] per "
                          "instrument"))
      << o.error;
  EXPECT_TRUE(has_problem(o.error, "clarad.toml", 15, "midi.backend: must be one of jack, alsa (got 'coreaudio')"))
      << o.error;
  // In the file's order, though [[route]] is read after [midi] and [control] after both.
  std::istringstream lines(o.error);
  int last = 0;
  for (std::string line; std::getline(lines, line);) {
    const int n = std::stoi(line.substr(std::string("clarad.toml:").size()));
    EXPECT_GE(n, last) << o.error;
    last = n;
  }
}

TEST(ConfigFile, TheColumnIsTheValuesOrForAnUnknownKeyTheKeys) {
  EXPECT_EQ(load("[control]\nudp_port = 70000\n").error,
            "clarad.toml:2:12: control.udp_port: must be an integer in 0..65535 (got 70000)");
  EXPECT_EQ(load("[duet]\n  tempo_bpm = 100\n").error.substr(0, 36), "clarad.toml:2:3: duet.tempo_bpm: unk");
  EXPECT_EQ(load("[sampler]\ntemperature = -nan\n").error,
            "clarad.toml:2:15: sampler.temperature: must be a number in [0.05, 5] (got nan)");
}

TEST(ConfigFile, EachRejectionHasItsReason) {
  struct Case {
    std::string text, line;  // the file and its one problem line after "clarad.toml:"
  };
  const std::vector<Case> cases{
      {"[control]\nudp_port = 70000\n", "2:12: control.udp_port: must be an integer in 0..65535 (got 70000)"},
      {"[control]\ntcp_port = -1\n", "2:12: control.tcp_port: must be an integer in 0..65535 (got -1)"},
      {"[[route]]\nchannel = 0\n", "2:11: route[0].channel: must be an integer in 1..16 (got 0)"},
      {"[[route]]\nchannel = 17\n", "2:11: route[0].channel: must be an integer in 1..16 (got 17)"},
      {"[midi]\nstartup_panic_channels = [0]\n",
       "2:27: midi.startup_panic_channels[0]: must be an integer in 1..16 (got 0)"},
      {"[[cc]]\ncontroller = 1\nchannel = 17\ncontrol = \"panic\"\n",
       "3:11: cc[0].channel: must be an integer in 1..16 (got 17)"},
      {"[sampler]\ntemperature = nan\n", "2:15: sampler.temperature: must be a number in [0.05, 5] (got nan)"},
      {"[duet]\ntempo = inf\n", "2:9: duet.tempo: must be a number in [20, 400] (got inf)"},
      {"[[route]]\ninstrument = \"v\"\n[[route]]\ninstrument = \"v\"\n",
       "4:14: route[1].instrument: 'v' already has a route: route[0] at line 1; one [[route]] per instrument"},
      {"[duet]\nvelocity = 1.5\n", "2:12: duet.velocity: must be an integer in 0..127"},
      {"[session]\nrecord = \"yes\"\n", "2:10: session.record: must be true or false"},
      {"[model]\nname = 3\n", "2:8: model.name: must be a string"},
      {"[midi]\nconnect_input = [\"a\", 2]\n", "2:23: midi.connect_input[1]: must be a string"},
      {"[midi]\nconnect_input = \"a\"\n", "2:17: midi.connect_input: must be an array of strings"},
      {"duet = 1\n", "1:8: duet: must be a table"},
      {"[[midi.output]]\nname = \"\"\n", "2:8: midi.output[0].name: must not be empty"},
      {"[log]\nlevel = \"loud\"\n", "2:9: log.level: must be one of error, warning, notice, info, debug (got 'loud')"},
      {"tempo = 120\n", "1:1: tempo: unknown key (known here: midi, model, duet, sampler, route, session, log, "
                        "control, cc, sync, solo)"},
      {"[solo]\ncandidates = 0\n", "2:14: solo.candidates: must be an integer in 1..64 (got 0)"},
      {"[solo]\ncandidates = 65\n", "2:14: solo.candidates: must be an integer in 1..64 (got 65)"},
      {"[solo]\ncandidates = 2.5\n", "2:14: solo.candidates: must be an integer in 1..64"},
      {"[solo]\ncritic = 1\n", "2:10: solo.critic: must be a string"},
      {"[solo]\ncritic = \"\"\n",
       "2:10: solo.critic: must not be empty (a critic's folder, or its name under models/)"},
      {"[solo]\nranking = true\n", "2:1: solo.ranking: unknown key (known here: candidates, critic)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const Outcome o = load(c.text);
    EXPECT_EQ(o.error, "clarad.toml:" + c.line);
    EXPECT_EQ(o.exit_code, 78);
  }
}

TEST(ConfigFile, SoloRankingKeysAreReadAndSayWhereTheyCameFrom) {
  const Outcome o = load("[solo]\ncandidates = 4\ncritic = \"my-critic\"\n");
  ASSERT_EQ(o.error, "");
  EXPECT_EQ(o.settings.solo.candidates, 4);
  EXPECT_EQ(o.settings.solo.critic, "my-critic");
  const Outcome none = load("");
  EXPECT_EQ(none.settings.solo.candidates, 1);  // off by default
  EXPECT_EQ(none.settings.solo.critic, "critic-notewise-piano");
}

TEST(ConfigFile, ProblemsPastAHundredAreCountedNotListed) {
  std::string text = "[duet]\n";
  for (int i = 0; i < 130; ++i) text += "k" + std::to_string(i) + " = 1\n";
  const Outcome o = load(text);
  EXPECT_EQ(problem_count(o.error), 101);
  EXPECT_TRUE(has(o.error, "\nclarad.toml: 30 more problems not shown (130 in all)")) << o.error.substr(o.error.size() - 80);
}

TEST(ConfigFile, OnAnyProblemNothingChanges) {
  DaemonSettings s;
  s.duet.bpm = 77;
  SettingSources sources;
  sources.set("duet.tempo", "--tempo");
  EXPECT_THROW(load_config_text("[duet]\ntempo = 90\nanswer_bars = 0\n", "x.toml", s, &sources), SettingsError);
  EXPECT_EQ(s.duet.bpm, 77);
  EXPECT_EQ(sources.of("duet.tempo"), "--tempo");
  load_config_text("[duet]\ntempo = 90\n", "x.toml", s, &sources);
  EXPECT_EQ(s.duet.bpm, 90);
  EXPECT_EQ(sources.of("duet.tempo"), "x.toml:2");
}

TEST(ConfigFile, AProblemLineNeverHoldsANewlineFromTheFile) {
  const Outcome o = load("[duet]\n\"tempo\\nbpm\" = 1\nmode = \"a\\nb\"\n");
  EXPECT_EQ(problem_count(o.error), 2) << o.error;
  EXPECT_TRUE(has_problem(o.error, "clarad.toml", 2, "duet.tempo\\x0Abpm: unknown key")) << o.error;
  EXPECT_TRUE(has_problem(o.error, "clarad.toml", 3, "duet.mode: must be one of answer, accompany, solo, listen "
                                                     "(got 'a\\x0Ab')"))
      << o.error;
}

TEST(ConfigFile, ASyntaxErrorIsOneLineWithLineAndColumn) {
  EXPECT_EQ(load("[duet]\n\nmode = \n").error.substr(0, 19), "clarad.toml:3:8: Er");
  const Outcome bare = load("[");
  EXPECT_EQ(bare.exit_code, 78);
  EXPECT_EQ(bare.error, "clarad.toml:1:2: Error while parsing table header: encountered end-of-file");
  EXPECT_EQ(load("[duet]\ntempo = 1\ntempo = 2\n").exit_code, 78);  // toml++: redefinition
}

TEST(ConfigFile, AFileOver64KiBIsRefusedNamingItsSize) {
  std::string text(kMaxConfigBytes, '#');
  text.back() = '\n';
  EXPECT_EQ(load(text).error, "");  // exactly 64 KiB of comment: fine
  text += "\n";
  EXPECT_EQ(load(text, "big.toml").error, "big.toml: 65537 bytes, more than the 65536 (64 KiB) a config file may hold");
  const fs::path p = write_temp(std::string(100'000, '#'));
  try {
    DaemonSettings s;
    load_config_file(p, s);
    ADD_FAILURE() << "accepted";
  } catch (const SettingsError& e) {
    EXPECT_EQ(std::string(e.what()), p.string() + ": 100000 bytes, more than the 65536 (64 KiB) a config file may hold");
    EXPECT_EQ(e.exit_code(), 78);
  }
  fs::remove(p);
}

TEST(ConfigFile, NestingDeeperThan32LevelsIsRefusedBeforeToml) {
  const std::string deep_array = "[midi]\nconnect_input = " + std::string(40, '[') + std::string(40, ']') + "\n";
  EXPECT_EQ(load(deep_array).error,
            "clarad.toml:2:47: nested deeper than 32 levels (table headers, dotted keys, arrays and inline tables "
            "together); clarad's settings need 3");
  std::string dotted = "a";
  for (int i = 0; i < 40; ++i) dotted += ".a";
  EXPECT_TRUE(has(load(dotted + " = 1\n").error, "clarad.toml:1:64: nested deeper than 32")) << load(dotted).error;
  EXPECT_TRUE(has(load("[" + dotted + "]\n").error, "clarad.toml:1:65: nested deeper than 32"));
  // [midi] and connect_input are 2 levels, each array 1 more: the 31st bracket (column 47) is
  // level 33. An inline table is one level with its key: 20 braces are toml++'s syntax error.
  EXPECT_FALSE(has(load("x = " + std::string(20, '{') + "\n").error, "nested deeper than 32"));
  EXPECT_TRUE(has(load("x = " + std::string(40, '{') + "\n").error, "clarad.toml:1:36: nested deeper than 32"));
  // 32000 dotted levels overflow toml++'s stack (a segmentation fault without the guard).
  std::string very = "a";
  for (int i = 0; i < 32000; ++i) very += ".a";
  EXPECT_TRUE(has(load(very + " = 1\n").error, "nested deeper than 32"));
  // Brackets, braces and dots inside strings and comments are text.
  const Outcome o = load("# " + std::string(50, '[') + "\n[midi]\nconnect_input = [\"" + std::string(50, '[') +
                         "\", '" + std::string(50, '{') + "', \"\"\"a.b.c\n" + std::string(50, '[') +
                         "\"\"\"]\n[[midi.output]]\nname = \"x\"\nconnect = [\"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t."
                         "u.v.w.x.y.z.a.b.c.d.e.f.g.h\"]\n");
  EXPECT_EQ(o.error, "");
  ASSERT_EQ(o.settings.midi.connect_input.size(), 3u);
  EXPECT_EQ(o.settings.midi.connect_input[0], std::string(50, '['));
}

TEST(ConfigFile, InvalidUtf8IsRefusedNamingWhereItsBadSequenceStarts) {
  EXPECT_EQ(load("[duet]\nmode = \"\xff\"\n").error,
            "clarad.toml:2:9: invalid UTF-8 (the sequence at byte offset 15, starting 0xFF): a config file is UTF-8 "
            "text");
  for (const char* bad : {"\xed\xa0\x80",        // a surrogate, U+D800
                          "\xc0\xaf",            // an overlong '/'
                          "\xf4\x90\x80\x80",    // above U+10FFFF
                          "\xe2\x82",            // cut short by the end of the file
                          "\xe9t\xe9"}) {        // Latin-1
    SCOPED_TRACE(bad);
    const std::string error = load(std::string("[duet]\nmode = \"") + bad).error;
    char start[8];
    std::snprintf(start, sizeof start, "0x%02X", static_cast<unsigned char>(bad[0]));
    EXPECT_EQ(error, std::string("clarad.toml:2:9: invalid UTF-8 (the sequence at byte offset 15, starting ") + start +
                         "): a config file is UTF-8 text");
  }
  // In a comment too: toml++ reads comments as UTF-8 as well. The column counts characters.
  EXPECT_TRUE(has(load("# d\xc3\xbc caf\xe9\n").error, "clarad.toml:1:9: invalid UTF-8 (the sequence at byte offset 9"));
  // Valid UTF-8 passes the guard: the loader then judges the value.
  EXPECT_TRUE(has(load("[duet]\nmode = \"d\xc3\xbc" "ett\"\n").error, "(got 'd\xc3\xbc" "ett')"));
}

// Inputs that break an assertion of toml++ 3.3.0 (TOML_ASSERT_ASSUME / TOML_UNREACHABLE: an
// abort with assertions on, an optimiser assumption in Debian's NDEBUG build), found by fuzzing
// it header-only; the guard refuses each before toml++ sees it.
TEST(ConfigFile, WhatBreaksTomlppAssertionsIsRefusedBeforeIt) {
  EXPECT_EQ(load("[\nx = 1\n").error,
            "clarad.toml:1:2: a table header must start with a key: a letter, digit, '_', '-' or a quoted key");
  EXPECT_EQ(load("[\xe2\x80\xa8]\n").error,
            "clarad.toml:1:2: a table header must start with a key: a letter, digit, '_', '-' or a quoted key");
  EXPECT_EQ(load("x\xc3\xb6 = 1\n").error,
            "clarad.toml:1:2: a non-ASCII character outside a string or comment (TOML keys and values outside quotes "
            "are ASCII; quote the key)");
  EXPECT_TRUE(has(load("[duet]\ntempo = 1'\xc3\xb6 \n").error, "clarad.toml:2:11: a non-ASCII character outside"));
  EXPECT_EQ(load("e=[}").error, "clarad.toml:1:4: '}' closes an array ('[')");
  EXPECT_EQ(load("e={a=1]").error, "clarad.toml:1:7: ']' closes an inline table ('{')");
  // Non-ASCII inside strings, quoted keys and comments is fine.
  EXPECT_EQ(load("# d\xc3\xbc\n[midi]\nclient_name = \"d\xc3\xbc\"\nconnect_input = ['\xc3\xb6', \"\"\"\xc3\xa9\"\"\"]\n")
                .error,
            "");
}

TEST(ConfigFile, AFileThatCannotBeReadIs78NamingItAndWhy) {
  for (const std::string& path : {std::string("/nonexistent/clarad.toml"), fs::temp_directory_path().string()}) {
    SCOPED_TRACE(path);
    try {
      DaemonSettings s;
      load_config_file(path, s);
      ADD_FAILURE() << "accepted";
    } catch (const SettingsError& e) {
      EXPECT_TRUE(has(e.what(), path + ": cannot read the config file: ")) << e.what();
      EXPECT_EQ(e.exit_code(), 78);
    }
  }
}

TEST(ConfigFile, ClaradExits78ForAConfigFileProblemAnd64ForAFlag) {
  const fs::path p = write_temp("[duet]\ntempo_bpm = 100\n[control]\nudp_port = 70000\n");
  DaemonSettings s;
  testing::internal::CaptureStderr();
  EXPECT_EQ(parse_command_line_or_exit({"--config", p.string()}, s), std::optional<int>(78));
  const std::string logged = testing::internal::GetCapturedStderr();
  // One log line per problem.
  EXPECT_TRUE(has(logged, "clarad: " + p.string() + ":2:1: duet.tempo_bpm: unknown key")) << logged;
  EXPECT_TRUE(has(logged, "\nclarad: " + p.string() + ":4:12: control.udp_port: must be")) << logged;
  EXPECT_EQ(parse_command_line_or_exit({"--config", p.string(), "--tempo", "1000"}, s), std::optional<int>(78));
  EXPECT_EQ(parse_command_line_or_exit({"--tempo", "1000"}, s), std::optional<int>(64));
  EXPECT_EQ(parse_command_line_or_exit({"--config", "/nonexistent/clarad.toml"}, s), std::optional<int>(78));
  fs::remove(p);
  EXPECT_TRUE(has(exit_codes_text(), "78  bad config file (every unknown key, wrong type or value out of range"));
  EXPECT_TRUE(has(exit_codes_text(), "64  bad flag or flag value"));
}
