#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <unistd.h>

#include "core/midi/midi_file.hpp"
#include "daemon/config/command_line.hpp"
#include "daemon/config/config_file.hpp"
#include "daemon/engine/duet_thread.hpp"
#include "daemon/session/session_recorder.hpp"
#include "daemon/engine/step_budget.hpp"

namespace fs = std::filesystem;
using namespace clara;
using namespace clara::daemon;

namespace {

fs::path write_temp(const std::string& name, const std::string& text) {
  fs::path p = fs::temp_directory_path() / ("clara-settings-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(p) << text;
  return p;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const SettingsError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// The shipped config/clarad.toml against the built-in defaults: shipped_config_test.cpp.

TEST(ConfigFile, ReadsEverySection) {
  auto p = write_temp("all.toml", R"(
[midi]
backend = "alsa"
connect_input = ["Keystation.*"]
startup_panic_channels = [1, 10]
[[midi.output]]
name = "piano"
connect = ["fluidsynth:.*"]
[[midi.output]]
name = "strings"
[model]
name = "chamber"
threads = 2
[duet]
mode = "accompany"
tempo = 96.5
human_instrument = "v"
velocity = 90
[sampler]
policy = "top-p"
top_p = 0.8
seed = 7
[[route]]
instrument = "p"
output = 1
channel = 10
velocity_curve = 0.5
[session]
record = false
dir = "/tmp/x"
)");
  DaemonSettings s;
  load_config_file(p, s);
  EXPECT_EQ(s.backend, "alsa");
  EXPECT_EQ(s.midi.connect_input, std::vector<std::string>{"Keystation.*"});
  EXPECT_EQ(s.midi.startup_panic_channels, (1u << 0) | (1u << 9));
  ASSERT_EQ(s.midi.outputs.size(), 2u);
  EXPECT_EQ(s.midi.outputs[1].name, "strings");
  EXPECT_EQ(s.model, "chamber");
  EXPECT_EQ(s.threads, 2);
  EXPECT_EQ(s.duet.mode, DuetMode::accompany);
  EXPECT_DOUBLE_EQ(s.duet.bpm, 96.5);
  EXPECT_EQ(s.duet.human_prefix, "v");
  EXPECT_TRUE(s.human_instrument_given);
  EXPECT_FALSE(s.clara_instrument_given);
  EXPECT_EQ(s.duet.fixed_velocity, 90);
  EXPECT_EQ(s.duet.sampler.policy, SamplingPolicy::kTopP);
  EXPECT_EQ(s.duet.sampler.seed, 7u);
  ASSERT_EQ(s.routes.size(), 1u);
  EXPECT_EQ(s.routes[0].output, 1);
  EXPECT_EQ(s.routes[0].channel, 9);
  EXPECT_FALSE(s.record_sessions);
  fs::remove(p);
}

TEST(ConfigFile, ErrorsNameFileAndKey) {
  auto unknown = write_temp("unknown.toml", "[duet]\ntempo_bpm = 100\n");
  std::string e = error_of([&] { DaemonSettings s; load_config_file(unknown, s); });
  EXPECT_NE(e.find(unknown.string()), std::string::npos) << e;
  EXPECT_NE(e.find("duet.tempo_bpm"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key"), std::string::npos) << e;

  auto type = write_temp("type.toml", "[duet]\nanswer_bars = \"two\"\n");
  e = error_of([&] { DaemonSettings s; load_config_file(type, s); });
  EXPECT_NE(e.find("duet.answer_bars"), std::string::npos) << e;

  auto syntax = write_temp("syntax.toml", "[duet]\n\nmode = \n");
  e = error_of([&] { DaemonSettings s; load_config_file(syntax, s); });
  EXPECT_NE(e.find(syntax.string() + ":3"), std::string::npos) << e;

  auto mode = write_temp("mode.toml", "[duet]\nmode = \"duel\"\n");
  e = error_of([&] { DaemonSettings s; load_config_file(mode, s); });
  EXPECT_NE(e.find("duet.mode"), std::string::npos) << e;

  auto route = write_temp("route.toml", "[[route]]\ninstrument = \"p\"\noutput = 3\n");
  e = error_of([&] { DaemonSettings s; load_config_file(route, s); });
  EXPECT_NE(e.find("output 3 does not exist"), std::string::npos) << e;

  auto sampler = write_temp("sampler.toml", "[sampler]\ntemperature = 50.0\n");
  e = error_of([&] { DaemonSettings s; load_config_file(sampler, s); });
  EXPECT_NE(e.find("temperature"), std::string::npos) << e;
  for (const auto& p : {unknown, type, syntax, mode, route, sampler}) fs::remove(p);
}

TEST(CommandLine, FlagsOverrideTheConfigWhereverTheyStand) {
  auto p = write_temp("cl.toml", "[duet]\ntempo = 90\nmode = \"solo\"\n");
  DaemonSettings s;
  parse_command_line({"--tempo", "140", "--config", p.string(), "--connect-out", "synth:.*"}, s);
  EXPECT_DOUBLE_EQ(s.duet.bpm, 140);
  EXPECT_EQ(s.duet.mode, DuetMode::solo);  // from the file
  EXPECT_EQ(s.midi.outputs[0].connect, std::vector<std::string>{"synth:.*"});
  EXPECT_FALSE(s.human_instrument_given);
  parse_command_line({"--clara-instrument", "p"}, s);
  EXPECT_TRUE(s.clara_instrument_given);
  fs::remove(p);
}

TEST(CommandLine, RejectsWhatItCannotUse) {
  EXPECT_NE(error_of([] { DaemonSettings s; parse_command_line({"--tempo", "fast"}, s); }).find("--tempo"),
            std::string::npos);
  EXPECT_NE(error_of([] { DaemonSettings s; parse_command_line({"--mode", "duel"}, s); }).find("--mode"),
            std::string::npos);
  EXPECT_NE(error_of([] { DaemonSettings s; parse_command_line({"--backend", "coreaudio"}, s); }).find("coreaudio"),
            std::string::npos);
  EXPECT_NE(error_of([] { DaemonSettings s; parse_command_line({"--frobnicate"}, s); }).find("--frobnicate"),
            std::string::npos);
  EXPECT_NE(error_of([] { DaemonSettings s; parse_command_line({"--channel", "17"}, s); }).find("--channel"),
            std::string::npos);
  DaemonSettings s;
  EXPECT_TRUE(parse_command_line({"--help"}, s).help);
}

