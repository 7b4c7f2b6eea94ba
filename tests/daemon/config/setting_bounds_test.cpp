// Every bounded setting, refused outside its range by the config file and the flags, with
// the file, line, key and range in the error; and its edges accepted.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <unistd.h>

#include "daemon/config/command_line.hpp"
#include "daemon/config/config_file.hpp"
#include "tests/daemon/config/config_problem.hpp"

namespace fs = std::filesystem;
using namespace clara;
using namespace clara::daemon;

namespace {

fs::path write_temp(const std::string& text) {
  static int n = 0;
  const fs::path p =
      fs::temp_directory_path() / ("clara-bounds-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".toml");
  std::ofstream(p) << text;
  return p;
}

struct FileCase {
  std::string table;  // "[duet]" or "[[route]]"
  std::string line;   // the offending key = value
  std::string key;    // as the error must name it
  std::string range;  // as the error must print it
};

// Each case's file is "# bounds\n" TABLE "\n" LINE "\n": the bad value is on line 3.
const std::vector<FileCase> kFileCases{
    // Integers wider than the field: read as int64 and refused, never narrowed.
    {"[[route]]", "channel = 4294967297", "route[0].channel", "1..16"},
    {"[[route]]", "channel = 0", "route[0].channel", "1..16"},
    {"[[route]]", "channel = 17", "route[0].channel", "1..16"},
    {"[[route]]", "channel = 1.0", "route[0].channel", "1..16"},
    {"[[route]]", "output = 1", "route[0].output", "0..0"},
    {"[[route]]", "output = 4294967296", "route[0].output", "0..0"},
    {"[[route]]", "output = -1", "route[0].output", "0..0"},
    {"[[route]]", "program = -2", "route[0].program", "-1..127"},
    {"[[route]]", "program = 128", "route[0].program", "-1..127"},
    {"[[route]]", "program = 4294967296", "route[0].program", "-1..127"},
    {"[[route]]", "velocity_curve = 0.05", "route[0].velocity_curve", "[0.1, 10]"},
    {"[[route]]", "velocity_curve = 11", "route[0].velocity_curve", "[0.1, 10]"},
    {"[[route]]", "velocity_curve = nan", "route[0].velocity_curve", "[0.1, 10]"},
    {"[[route]]", "note_low = -1", "route[0].note_low", "0..127"},
    {"[[route]]", "note_high = 128", "route[0].note_high", "0..127"},
    {"[[route]]", "note_high = 4294967297", "route[0].note_high", "0..127"},
    {"[midi]", "startup_panic_channels = [1, 17]", "midi.startup_panic_channels[1]", "1..16"},
    {"[midi]", "startup_panic_channels = [0]", "midi.startup_panic_channels[0]", "1..16"},
    {"[midi]", "startup_panic_channels = [4294967297]", "midi.startup_panic_channels[0]", "1..16"},
    {"[midi]", "backend = \"coreaudio\"", "midi.backend", "jack, alsa"},
    {"[[midi.output]]", "max_note_ms = -1", "midi.output[0].max_note_ms", "0..600000"},
    {"[[midi.output]]", "max_note_ms = 600001", "midi.output[0].max_note_ms", "0..600000"},
    {"[[midi.output]]", "max_note_ms = 4294975296", "midi.output[0].max_note_ms", "0..600000"},
    {"[[midi.output]]", "max_polyphony = -1", "midi.output[0].max_polyphony", "0..2048"},
    {"[[midi.output]]", "max_polyphony = 2049", "midi.output[0].max_polyphony", "0..2048"},
    {"[[midi.output]]", "max_polyphony = 4294967312", "midi.output[0].max_polyphony", "0..2048"},
    {"[model]", "threads = 0", "model.threads", "1..64"},
    {"[model]", "threads = 65", "model.threads", "1..64"},
    {"[model]", "threads = 4294967297", "model.threads", "1..64"},
    {"[model]", "tokens_per_step_budget = 0", "model.tokens_per_step_budget", "(0, 64]"},
    {"[model]", "tokens_per_step_budget = 65.0", "model.tokens_per_step_budget", "(0, 64]"},
    {"[model]", "tokens_per_step_budget = inf", "model.tokens_per_step_budget", "(0, 64]"},
    {"[duet]", "tempo = 19.9", "duet.tempo", "[20, 400]"},
    {"[duet]", "tempo = 401", "duet.tempo", "[20, 400]"},
    {"[duet]", "tempo = nan", "duet.tempo", "[20, 400]"},
    {"[duet]", "answer_silence_beats = 0", "duet.answer_silence_beats", "(0, 64]"},
    {"[duet]", "answer_silence_beats = 64.5", "duet.answer_silence_beats", "(0, 64]"},
    {"[duet]", "answer_bars = 0", "duet.answer_bars", "1..64"},
    {"[duet]", "answer_bars = 65", "duet.answer_bars", "1..64"},
    {"[duet]", "answer_bars = 4294967298", "duet.answer_bars", "1..64"},
    {"[duet]", "answer_bars = \"two\"", "duet.answer_bars", "1..64"},
    {"[duet]", "beats_per_bar = 0", "duet.beats_per_bar", "1..32"},
    {"[duet]", "beats_per_bar = 33", "duet.beats_per_bar", "1..32"},
    {"[duet]", "beats_per_bar = 4294967300", "duet.beats_per_bar", "1..32"},
    {"[duet]", "lookahead_beats = 0", "duet.lookahead_beats", "(0, 16]"},
    {"[duet]", "lookahead_beats = 17", "duet.lookahead_beats", "(0, 16]"},
    {"[duet]", "commit_steps = -1", "duet.commit_steps", "0..96"},
    {"[duet]", "commit_steps = 97", "duet.commit_steps", "0..96"},
    {"[duet]", "commit_steps = 4294967297", "duet.commit_steps", "0..96"},
    {"[duet]", "velocity = -1", "duet.velocity", "0..127"},
    {"[duet]", "velocity = 128", "duet.velocity", "0..127"},
    {"[duet]", "velocity = 4294967297", "duet.velocity", "0..127"},
    {"[duet]", "mode = \"duel\"", "duet.mode", "answer, accompany, solo, listen"},
    {"[sampler]", "temperature = 0.01", "sampler.temperature", "[0.05, 5]"},
    {"[sampler]", "temperature = 6", "sampler.temperature", "[0.05, 5]"},
    {"[sampler]", "top_k = 0", "sampler.top_k", "1..65536"},
    {"[sampler]", "top_k = 65537", "sampler.top_k", "1..65536"},
    {"[sampler]", "top_k = 4294967297", "sampler.top_k", "1..65536"},
    {"[sampler]", "top_p = 0", "sampler.top_p", "(0, 1]"},
    {"[sampler]", "top_p = 1.5", "sampler.top_p", "(0, 1]"},
    {"[sampler]", "random_freq = -0.1", "sampler.random_freq", "[0, 1]"},
    {"[sampler]", "random_freq = 1.1", "sampler.random_freq", "[0, 1]"},
    {"[sampler]", "key_keeping = -0.5", "sampler.key_keeping", "[0, 16]"},
    {"[sampler]", "key_keeping = 16.5", "sampler.key_keeping", "[0, 16]"},
    {"[sampler]", "key_keeping = nan", "sampler.key_keeping", "[0, 16]"},
    {"[sampler]", "seed = -1", "sampler.seed", "0..18446744073709551615"},
    {"[sampler]", "seed = \"18446744073709551616\"", "sampler.seed", "0..18446744073709551615"},
    {"[sampler]", "seed = \"-1\"", "sampler.seed", "0..18446744073709551615"},
    {"[sampler]", "seed = \"12ab\"", "sampler.seed", "0..18446744073709551615"},
    {"[sampler]", "seed = 1.5", "sampler.seed", "0..18446744073709551615"},
    {"[sampler]", "policy = \"greedy\"", "sampler.policy", "seed, temperature, top-k, top-p"},
    {"[log]", "level = \"loud\"", "log.level", "error, warning, notice, info, debug"},
};

}  // namespace

TEST(SettingBounds, TheConfigFileRefusesEachValueNamingFileLineKeyAndRange) {
  for (const auto& c : kFileCases) {
    SCOPED_TRACE(c.table + " " + c.line);
    const fs::path p = write_temp("# bounds\n" + c.table + "\n" + c.line + "\n");
    std::string error;
    try {
      DaemonSettings s;
      load_config_file(p, s);
    } catch (const SettingsError& e) {
      error = e.what();
    }
    fs::remove(p);
    if (error.empty()) {
      ADD_FAILURE() << "accepted";
      continue;
    }
    EXPECT_TRUE(test::has_problem(error, p.string(), 3, c.key + ":")) << error;
    EXPECT_NE(error.find(c.range), std::string::npos) << error;
  }
}

TEST(SettingBounds, TheConfigFileRefusesWhatSpansTablesNamingTheirLine) {
  struct Case {
    std::string text;
    std::string where;  // ":LINE:COLUMN: KEY" after the file name
    std::string range;
  };
  std::string nine_outputs;
  for (int i = 0; i < 9; ++i) nine_outputs += "[[midi.output]]\nname = \"o" + std::to_string(i) + "\"\n";
  const std::vector<Case> cases{
      {"# bounds\n[[route]]\nnote_low = 60\nnote_high = 70\n", ":2:1: route[0]:", "note_high - note_low >= 11"},
      {"# bounds\n" + nine_outputs, ":2:1: midi.output:", "1..8"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const fs::path p = write_temp(c.text);
    std::string error;
    try {
      DaemonSettings s;
      load_config_file(p, s);
    } catch (const SettingsError& e) {
      error = e.what();
    }
    fs::remove(p);
    EXPECT_NE(error.find(p.string() + c.where), std::string::npos) << error;
    EXPECT_NE(error.find(c.range), std::string::npos) << error;
  }
}

TEST(SettingBounds, TheConfigFileAcceptsTheEdges) {
  const fs::path p = write_temp(R"(
[[midi.output]]
max_note_ms = 600000
max_polyphony = 2048
[duet]
tempo = 400
answer_silence_beats = 64
answer_bars = 64
beats_per_bar = 32
lookahead_beats = 16
commit_steps = 96
velocity = 127
[sampler]
top_k = 65536
seed = "18446744073709551615"
[[route]]
channel = 16
program = 127
note_low = 116
note_high = 127
)");
  DaemonSettings s;
  load_config_file(p, s);
  EXPECT_EQ(s.midi.outputs[0].max_note_ms, 600000);
  EXPECT_EQ(s.midi.outputs[0].max_polyphony, 2048);
  EXPECT_EQ(s.duet.answer_bars, 64);
  EXPECT_EQ(s.duet.beats_per_bar, 32);
  EXPECT_EQ(s.duet.commit_steps, 96);
  EXPECT_EQ(s.duet.sampler.top_k, 65536);
  EXPECT_EQ(s.duet.sampler.seed, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(s.routes[0].channel, 15);
  std::ofstream(p) << "[sampler]\nseed = 9223372036854775807\n";
  load_config_file(p, s);
  EXPECT_EQ(s.duet.sampler.seed, 9223372036854775807u);
  fs::remove(p);
}

TEST(SettingBounds, TheFlagsRefuseEachValueNamingFlagAndRange) {
  struct Case {
    std::vector<std::string> args;
    std::string flag, range;
  };
  const std::vector<Case> cases{
      {{"--channel", "0"}, "--channel", "1..16"},
      {{"--channel", "17"}, "--channel", "1..16"},
      {{"--channel", "4294967297"}, "--channel", "1..16"},
      {{"--channel", "1.5"}, "--channel", "1..16"},
      {{"--velocity", "128"}, "--velocity", "0..127"},
      {{"--velocity=-1"}, "--velocity", "0..127"},
      {{"--velocity", "4294967297"}, "--velocity", "0..127"},
      {{"--answer-bars", "0"}, "--answer-bars", "1..64"},
      {{"--answer-bars", "65"}, "--answer-bars", "1..64"},
      {{"--answer-bars", "4294967298"}, "--answer-bars", "1..64"},
      {{"--silence-beats", "0"}, "--silence-beats", "(0, 64]"},
      {{"--silence-beats", "64.5"}, "--silence-beats", "(0, 64]"},
      {{"--silence-beats", "nan"}, "--silence-beats", "(0, 64]"},
      {{"--tempo", "19"}, "--tempo", "[20, 400]"},
      {{"--tempo", "401"}, "--tempo", "[20, 400]"},
      {{"--tempo", "inf"}, "--tempo", "[20, 400]"},
      {{"--temperature", "0.01"}, "--temperature", "[0.05, 5]"},
      {{"--temperature", "6"}, "--temperature", "[0.05, 5]"},
      {{"--key-keeping", "-1"}, "--key-keeping", "[0, 16]"},
      {{"--key-keeping", "17"}, "--key-keeping", "[0, 16]"},
      {{"--key-keeping", "inf"}, "--key-keeping", "[0, 16]"},
      {{"--threads", "0"}, "--threads", "1..64"},
      {{"--threads", "65"}, "--threads", "1..64"},
      {{"--threads", "4294967297"}, "--threads", "1..64"},
      {{"--seed=-1"}, "--seed", "0..18446744073709551615"},
      {{"--seed", "18446744073709551616"}, "--seed", "0..18446744073709551615"},
      {{"--seed", "99999999999999999999"}, "--seed", "0..18446744073709551615"},
      {{"--seed", "1e3"}, "--seed", "0..18446744073709551615"},
      {{"--meter", "7/8"}, "--meter", "not a whole number of quarter notes from 1 to 32"},
      {{"--meter", "3/5"}, "--meter", "denominator 5 is not 1, 2, 4, 8 or 16"},
      {{"--meter", "0/4"}, "--meter", "numerator 0 is outside 1..64"},
      {{"--meter", "three/4"}, "--meter", "expected N/D"},
      {{"--meter", "3"}, "--meter", "expected N/D"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args.front() + (c.args.size() > 1 ? " " + c.args[1] : ""));
    std::string error;
    try {
      DaemonSettings s;
      parse_command_line(c.args, s);
    } catch (const SettingsError& e) {
      error = e.what();
    }
    if (error.empty()) {
      ADD_FAILURE() << "accepted";
      continue;
    }
    EXPECT_NE(error.find(c.flag), std::string::npos) << error;
    EXPECT_NE(error.find(c.range), std::string::npos) << error;
  }
}

TEST(SettingBounds, TheFlagsAcceptTheEdgesInDecimal) {
  DaemonSettings s;
  parse_command_line({"--seed", "18446744073709551615", "--answer-bars", "64", "--silence-beats", "64", "--channel",
                      "16", "--velocity", "127", "--tempo", "400", "--threads", "64"},
                     s);
  EXPECT_EQ(s.duet.sampler.seed, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(s.duet.answer_bars, 64);
  EXPECT_EQ(s.duet.clara_channel, 15);
  parse_command_line({"--channel", "010", "--seed", "010"}, s);  // decimal, not octal
  EXPECT_EQ(s.duet.clara_channel, 9);
  EXPECT_EQ(s.duet.sampler.seed, 10u);
}

TEST(SettingBounds, ValidateHoldsProgrammaticSettingsToTheSameBounds) {
  struct Case {
    std::function<void(DaemonSettings&)> set;
    std::string key, range;
  };
  const std::vector<Case> cases{
      {[](DaemonSettings& s) { s.duet.commit_steps = 97; }, "duet.commit_steps", "0..96"},
      {[](DaemonSettings& s) { s.duet.answer_bars = 65; }, "duet.answer_bars", "1..64"},
      {[](DaemonSettings& s) { s.duet.beats_per_bar = 33; }, "duet.beats_per_bar", "1..32"},
      {[](DaemonSettings& s) { s.duet.answer_silence_beats = 65; }, "duet.answer_silence_beats", "(0, 64]"},
      {[](DaemonSettings& s) { s.duet.bpm = 401; }, "duet.tempo", "[20, 400]"},
      {[](DaemonSettings& s) { s.lookahead_beats = 0; }, "duet.lookahead_beats", "(0, 16]"},
      {[](DaemonSettings& s) { s.duet.fixed_velocity = 128; }, "duet.velocity", "0..127"},
      {[](DaemonSettings& s) { s.midi.outputs[0].max_polyphony = 2049; }, "midi.output[0].max_polyphony", "0..2048"},
      {[](DaemonSettings& s) { s.midi.outputs[0].max_note_ms = -1; }, "midi.output[0].max_note_ms", "0..600000"},
      {[](DaemonSettings& s) { s.midi.outputs.resize(9); }, "midi.output count", "1..8"},
      {[](DaemonSettings& s) { s.threads = 65; }, "model.threads", "1..64"},
      {[](DaemonSettings& s) { s.tokens_per_step_budget = 0; }, "model.tokens_per_step_budget", "(0, 64]"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.key);
    DaemonSettings s;
    c.set(s);
    std::string error;
    try {
      s.validate();
    } catch (const SettingsError& e) {
      error = e.what();
    }
    EXPECT_NE(error.find(c.key), std::string::npos) << error;
    EXPECT_NE(error.find(c.range), std::string::npos) << error;
  }
}
