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

TEST(ConfigFile, ShippedDefaultLoadsAndMatchesTheBuiltInDefaults) {
  DaemonSettings s;
  load_config_file(fs::path(CLARA_TEST_DATA) / ".." / ".." / "config" / "clarad.toml", s);
  DaemonSettings d;
  EXPECT_EQ(s.backend, d.backend);
  EXPECT_EQ(s.model, d.model);
  EXPECT_EQ(s.duet.mode, d.duet.mode);
  EXPECT_EQ(s.duet.bpm, d.duet.bpm);
  EXPECT_EQ(s.duet.human_prefix, "p");
  EXPECT_EQ(s.midi.startup_panic_channels, d.midi.startup_panic_channels);
  ASSERT_EQ(s.midi.outputs.size(), 1u);
  EXPECT_EQ(s.midi.outputs[0].name, "midi_out");
  EXPECT_EQ(s.midi.outputs[0].max_polyphony, 16);
  ASSERT_EQ(s.routes.size(), 1u);
  EXPECT_EQ(s.routes[0].channel, 0);  // "channel = 1" in the file
  EXPECT_EQ(s.routes[0].note_low, 21);
}

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
  EXPECT_NE(error_of([] { DaemonSettings s; parse_command_line({"--channel", "17"}, s); }).find("1..16"),
            std::string::npos);
  DaemonSettings s;
  EXPECT_TRUE(parse_command_line({"--help"}, s).help);
}

TEST(Route, ChannelPortRangeAndCurve) {
  InstrumentRoute r;
  r.output = 1;
  r.channel = 9;
  r.note_low = 48;
  r.note_high = 72;
  r.velocity_curve = 2.0;
  TimedMessage on{5, ShortMessage{0x90, 30, 127}, 0};
  TimedMessage out = apply_route(r, on);
  EXPECT_EQ(out.port, 1);
  EXPECT_EQ(out.msg.status, 0x99);
  EXPECT_EQ(out.msg.data1, 54);  // 30 folded up by octaves
  EXPECT_EQ(out.msg.data2, 127);
  out = apply_route(r, TimedMessage{5, ShortMessage{0x90, 90, 64}, 0});
  EXPECT_EQ(out.msg.data1, 66);
  EXPECT_EQ(out.msg.data2, 32);  // 127 * (64/127)^2
  out = apply_route(r, TimedMessage{6, ShortMessage{0x80, 30, 0}, 0});
  EXPECT_EQ(out.msg.status, 0x89);
  EXPECT_EQ(out.msg.data1, 54);  // the note-off folds the same way as its note-on
}

TEST(SessionRecorder, WritesHumanAndClaraTracksAtTheirTimes) {
  const std::int64_t origin = 1'000'000'000;
  SessionRecorder rec(origin, 120.0);
  rec.human(TimedMessage{origin + 500'000'000, ShortMessage{0x90, 60, 100}, 0});   // beat 1
  rec.human(TimedMessage{origin + 1'000'000'000, ShortMessage{0x80, 60, 0}, 0});   // beat 2
  rec.clara("p", 0, TimedMessage{origin + 1'500'000'000, ShortMessage{0x90, 64, 70}, 0});
  rec.tempo(origin + 2'000'000'000, 60.0);  // beat 4, then one beat a second
  rec.clara("p", 0, TimedMessage{origin + 3'000'000'000, ShortMessage{0x80, 64, 0}, 0});  // beat 5
  rec.clara("p", 0, TimedMessage{origin + 3'000'000'000, ShortMessage{0x90, 67, 70}, 0});  // never closed
  auto file = fs::temp_directory_path() / ("clara-session-" + std::to_string(::getpid()) + ".mid");
  rec.write_midi(file, origin + 4'000'000'000);
  Score s = read_midi_file(file);
  ASSERT_EQ(s.parts.size(), 2u);
  EXPECT_EQ(s.parts[0].name, "Human");
  EXPECT_EQ(s.parts[1].name, "Clara p");
  ASSERT_EQ(s.parts[0].notes.size(), 1u);
  EXPECT_NEAR(s.parts[0].notes[0].start, 1.0, 1e-6);
  EXPECT_NEAR(s.parts[0].notes[0].end, 2.0, 1e-6);
  ASSERT_EQ(s.parts[1].notes.size(), 2u);
  EXPECT_NEAR(s.parts[1].notes[0].start, 3.0, 1e-6);
  EXPECT_NEAR(s.parts[1].notes[0].end, 5.0, 1e-6);
  EXPECT_NEAR(s.parts[1].notes[1].end, 6.0, 1e-6);  // closed at the end of the session
  ASSERT_GE(s.tempo_map.size(), 2u);
  EXPECT_NEAR(s.tempo_map.back().bpm, 60.0, 1e-3);
  fs::remove(file);
}

TEST(SessionFolder, TwoSessionsInOneSecondGetTwoFolders) {
  auto root = fs::temp_directory_path() / ("clara-sessions-" + std::to_string(::getpid()));
  auto a = make_session_folder(root);
  auto b = make_session_folder(root);
  EXPECT_NE(a, b);
  EXPECT_TRUE(fs::is_directory(a));
  EXPECT_TRUE(fs::is_directory(b));
  fs::remove_all(root);
}

TEST(StepBudget, VerdictFromTheFigures) {
  StepTiming t;
  t.p50_us = 50;
  t.p99_us = 100;
  auto v = check_step_budget(t, 120, 12, 4);  // grid step 41667 us
  EXPECT_TRUE(v.fits);
  EXPECT_NEAR(v.grid_step_us, 41666.7, 0.1);
  t.p99_us = 12000;  // 48 ms of work per 41.7 ms step
  v = check_step_budget(t, 120, 12, 4);
  EXPECT_FALSE(v.fits);
  EXPECT_NE(v.message.find("does not fit"), std::string::npos);
}
