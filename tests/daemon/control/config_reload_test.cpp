#include "daemon/control/config_reload.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "daemon/config/command_line.hpp"
#include "daemon/control/control_plane.hpp"
#include "tests/daemon/control/control_test_support.hpp"

namespace clara::daemon {
namespace {

namespace fs = std::filesystem;
using testing::RecordingSink;

struct Folder {
  fs::path dir = fs::temp_directory_path() / ("clara-reload-" + std::to_string(::getpid()) + "-" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  Folder() { fs::create_directories(dir); }
  ~Folder() { fs::remove_all(dir); }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
    return dir / name;
  }
};

bool has(const std::vector<SettingChange>& changes, const std::string& key) {
  return std::any_of(changes.begin(), changes.end(), [&](const SettingChange& c) { return c.key == key; });
}

template <typename T>
const T* last_of(const RecordingSink& sink) {
  for (auto it = sink.commands.rbegin(); it != sink.commands.rend(); ++it)
    if (const T* c = std::get_if<T>(&*it)) return c;
  return nullptr;
}

// clarad as main() builds it, minus the ports: flags, the file they name, a hub on a recorder.
struct Daemon {
  explicit Daemon(std::vector<std::string> flags, ControlHooks hooks = {}) : args(std::move(flags)) {
    const CommandLine cl = parse_command_line(args, settings);
    hub = std::make_unique<ControlHub>(sink, initial_control_state(settings, "notewise-piano", spec, "jack"),
                                       std::move(hooks));
    reload = std::make_unique<ConfigReload>(args, cl.config, settings, nullptr, *hub, [] { return 5'000'000'000; });
  }
  EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  RecordingSink sink{spec};
  std::vector<std::string> args;
  DaemonSettings settings;
  std::unique_ptr<ControlHub> hub;
  std::unique_ptr<ConfigReload> reload;
};

TEST(ConfigReload, ChangedKeysGoThroughTheHubTheModeOnTheBarLine) {
  Folder f;
  const auto file = f.write("clarad.toml", "[duet]\ntempo = 120.0\nmode = \"answer\"\n[sampler]\ntemperature = 1.0\n");
  Daemon d({"--config", file.string()});
  f.write("clarad.toml", "[duet]\ntempo = 96.0\nmode = \"solo\"\n[sampler]\ntemperature = 0.5\n");
  const ReloadOutcome r = d.reload->reload();
  EXPECT_TRUE(r.errors.empty());
  EXPECT_FALSE(r.refused);
  EXPECT_TRUE(r.needs_restart.empty());
  EXPECT_EQ(r.applied.size(), 3u);
  EXPECT_TRUE(has(r.applied, "duet.tempo") && has(r.applied, "duet.mode") && has(r.applied, "sampler.temperature"));
  ASSERT_EQ(d.sink.commands.size(), 3u);
  ASSERT_TRUE(last_of<SetTempo>(d.sink));
  EXPECT_DOUBLE_EQ(last_of<SetTempo>(d.sink)->bpm, 96.0);
  ASSERT_TRUE(last_of<SetSampler>(d.sink));
  EXPECT_DOUBLE_EQ(last_of<SetSampler>(d.sink)->sampler.temperature, 0.5);
  ASSERT_TRUE(std::holds_alternative<SetMode>(d.sink.commands.back()));  // last: an answer starts with the rest
  EXPECT_EQ(std::get<SetMode>(d.sink.commands.back()).mode, DuetMode::solo);
  EXPECT_TRUE(d.sink.bars.back());                    // the mode waits for the bar line
  EXPECT_EQ(d.sink.dues.back(), 5'000'000'000);       // from now
  EXPECT_EQ(d.hub->state().mode, DuetMode::solo);
  EXPECT_DOUBLE_EQ(d.hub->state().bpm, 96.0);

  // The same file again changes nothing and sends nothing.
  const ReloadOutcome again = d.reload->reload();
  EXPECT_TRUE(again.applied.empty());
  EXPECT_EQ(d.sink.commands.size(), 3u);
}

TEST(ConfigReload, AnInvalidFileIsReportedWholeAndChangesNothing) {
  Folder f;
  const auto file = f.write("clarad.toml", "[duet]\ntempo = 120.0\n");
  Daemon d({"--config", file.string()});
  const auto before = status_values(d.hub->state());
  f.write("clarad.toml", "[duet]\ntempo = 1000.0\nmode = \"solo\"\nbogus = 1\n");
  const ReloadOutcome r = d.reload->reload();
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_NE(r.errors[0].find(file.string() + ":2:"), std::string::npos) << r.errors[0];
  EXPECT_NE(r.errors[0].find("duet.tempo"), std::string::npos) << r.errors[0];
  EXPECT_NE(r.errors[1].find(file.string() + ":4:"), std::string::npos) << r.errors[1];
  EXPECT_TRUE(r.applied.empty());
  EXPECT_TRUE(d.sink.commands.empty());
  EXPECT_EQ(status_values(d.hub->state()), before);

  // A syntax error, then the file mended: the mended file applies.
  f.write("clarad.toml", "[duet\ntempo = 90.0\n");
  EXPECT_EQ(d.reload->reload().errors.size(), 1u);
  f.write("clarad.toml", "[duet]\ntempo = 90.0\n");
  EXPECT_TRUE(has(d.reload->reload().applied, "duet.tempo"));
  EXPECT_DOUBLE_EQ(d.hub->state().bpm, 90.0);
}

TEST(ConfigReload, WhatCannotChangeLiveIsReportedAtEachReloadAndLeftAsItIs) {
  Folder f;
  const auto file = f.write("clarad.toml", "[midi]\nbackend = \"jack\"\n[control]\nudp_port = 9000\n");
  Daemon d({"--config", file.string()});
  f.write("clarad.toml",
          "[midi]\nbackend = \"alsa\"\nclient_name = \"other\"\n[control]\nudp_port = 9100\n[duet]\nvelocity = 90\n");
  ReloadOutcome r = d.reload->reload();
  EXPECT_TRUE(has(r.needs_restart, "midi.backend"));
  EXPECT_TRUE(has(r.needs_restart, "midi.client_name"));
  EXPECT_TRUE(has(r.needs_restart, "control.udp_port"));
  EXPECT_EQ(r.needs_restart.size(), 3u);
  EXPECT_TRUE(has(r.applied, "duet.velocity"));  // what can change does
  EXPECT_EQ(d.hub->state().velocity, 90);
  EXPECT_EQ(d.hub->state().backend, "jack");
  r = d.reload->reload();
  EXPECT_EQ(r.needs_restart.size(), 3u);  // still pending
  EXPECT_TRUE(r.applied.empty());
}

TEST(ConfigReload, KeysTheFileDidNotChangeKeepTheirLiveValues) {
  Folder f;
  const auto file = f.write("clarad.toml", "[duet]\ntempo = 120.0\n[sampler]\ntemperature = 1.0\n");
  Daemon d({"--config", file.string()});
  ASSERT_FALSE(d.hub->edit([](ControlState& s) { s.sampler.temperature = 0.3; }));  // as over OSC
  f.write("clarad.toml", "[duet]\ntempo = 100.0\n[sampler]\ntemperature = 1.0\n");
  const ReloadOutcome r = d.reload->reload();
  EXPECT_EQ(r.applied.size(), 1u);
  EXPECT_DOUBLE_EQ(d.hub->state().bpm, 100.0);
  EXPECT_DOUBLE_EQ(d.hub->state().sampler.temperature, 0.3);
}

TEST(ConfigReload, FlagsStillOverrideTheFile) {
  Folder f;
  const auto file = f.write("clarad.toml", "[duet]\ntempo = 120.0\n");
  Daemon d({"--config", file.string(), "--tempo", "80"});
  f.write("clarad.toml", "[duet]\ntempo = 100.0\n");
  const ReloadOutcome r = d.reload->reload();
  EXPECT_TRUE(r.applied.empty());
  EXPECT_DOUBLE_EQ(d.hub->state().bpm, 80.0);
}

TEST(ConfigReload, ARouteChangesLiveARouteAddedWaitsForARestart) {
  Folder f;
  const auto file = f.write("clarad.toml", "[[route]]\ninstrument = \"p\"\nchannel = 1\n");
  Daemon d({"--config", file.string()});
  f.write("clarad.toml", "[[route]]\ninstrument = \"p\"\nchannel = 3\nprogram = 5\n");
  ReloadOutcome r = d.reload->reload();
  EXPECT_TRUE(has(r.applied, "route[0].channel") && has(r.applied, "route[0].program"));
  ASSERT_TRUE(last_of<SetRoute>(d.sink));
  EXPECT_EQ(last_of<SetRoute>(d.sink)->channel, 2);
  EXPECT_EQ(last_of<SetRoute>(d.sink)->program, 5);
  // The range and the curve change live too, as a whole route.
  f.write("clarad.toml",
          "[[route]]\ninstrument = \"p\"\nchannel = 3\nprogram = 5\nnote_low = 21\nnote_high = 108\n"
          "velocity_curve = 0.5\n");
  r = d.reload->reload();
  EXPECT_TRUE(has(r.applied, "route[0].note_low") && has(r.applied, "route[0].velocity_curve"));
  EXPECT_FALSE(has(r.applied, "route[0].channel"));  // applied live already
  EXPECT_TRUE(r.needs_restart.empty());
  const SetRoute* set = last_of<SetRoute>(d.sink);
  ASSERT_TRUE(set && set->shape);
  EXPECT_EQ(set->channel, 2);
  EXPECT_EQ(set->shape->note_low, 21);
  EXPECT_EQ(set->shape->note_high, 108);
  EXPECT_DOUBLE_EQ(set->shape->velocity_curve, 0.5);
  EXPECT_EQ(set->shape->output, 0);
  // A route added (for another instrument) rebuilds the routing: every route key waits.
  f.write("clarad.toml",
          "[[route]]\ninstrument = \"p\"\nchannel = 4\nprogram = 5\nnote_low = 21\nnote_high = 108\n"
          "velocity_curve = 0.5\n[[route]]\ninstrument = \"vn\"\nchannel = 9\n");
  const std::size_t commands = d.sink.commands.size();
  r = d.reload->reload();
  EXPECT_TRUE(has(r.needs_restart, "route[1].instrument"));
  EXPECT_TRUE(has(r.needs_restart, "route[0].channel"));
  EXPECT_TRUE(r.applied.empty());
  EXPECT_EQ(d.sink.commands.size(), commands);
}

TEST(ConfigReload, ARouteToAnOutputTheBackendLacksWaitsForARestart) {
  Folder f;
  const auto file = f.write("clarad.toml", "[[midi.output]]\nname = \"a\"\n[[route]]\ninstrument = \"p\"\n");
  Daemon d({"--config", file.string()});
  f.write("clarad.toml",
          "[[midi.output]]\nname = \"a\"\n[[midi.output]]\nname = \"b\"\n[[route]]\ninstrument = \"p\"\noutput = 1\n");
  const ReloadOutcome r = d.reload->reload();
  EXPECT_TRUE(has(r.needs_restart, "route[0].output"));
  EXPECT_FALSE(last_of<SetRoute>(d.sink));
}

TEST(ConfigReload, CcBindingsAreReplacedWholeWhereTheDaemonCan) {
  Folder f;
  const std::string first = "[[cc]]\ncontroller = 21\ncontrol = \"temperature\"\n";
  const auto file = f.write("clarad.toml", first);
  std::vector<std::vector<CcBinding>> replaced;
  ControlHooks hooks;
  hooks.replace_cc = [&](const std::vector<CcBinding>& b) { replaced.push_back(b); };
  Daemon d({"--config", file.string()}, hooks);
  f.write("clarad.toml", first + "[[cc]]\ncontroller = 22\ncontrol = \"panic\"\n");
  ReloadOutcome r = d.reload->reload();
  EXPECT_TRUE(r.needs_restart.empty());
  EXPECT_TRUE(has(r.applied, "cc[1].controller"));
  ASSERT_EQ(replaced.size(), 1u);
  ASSERT_EQ(replaced[0].size(), 2u);
  EXPECT_EQ(replaced[0][1].controller, 22);
  EXPECT_EQ(replaced[0][1].control, "panic");
  r = d.reload->reload();  // nothing changed since: not replaced again
  EXPECT_EQ(replaced.size(), 1u);
  EXPECT_TRUE(r.needs_restart.empty());

  // Without the control plane's hook (clarad without a CC map) it waits for a restart.
  Daemon plain({"--config", file.string()});
  f.write("clarad.toml", first);
  r = plain.reload->reload();
  EXPECT_TRUE(has(r.needs_restart, "cc[1].controller"));
}

TEST(ConfigReload, ConnectionPatternsGoToTheBackendWhichMayRefuse) {
  Folder f;
  const auto file = f.write("clarad.toml", "[midi]\nconnect_input = [\"kbd\"]\n");
  std::vector<std::pair<std::vector<std::string>, std::vector<std::vector<std::string>>>> calls;
  std::optional<std::string> answer;  // what the backend says
  ControlHooks hooks;
  hooks.connect = [&](const std::vector<std::string>& in, const std::vector<std::vector<std::string>>& out) {
    calls.emplace_back(in, out);
    return answer;
  };
  Daemon d({"--config", file.string()}, hooks);
  f.write("clarad.toml", "[midi]\nconnect_input = [\"piano\"]\n[[midi.output]]\nconnect = [\"synth\"]\n");
  ReloadOutcome r = d.reload->reload();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].first, std::vector<std::string>{"piano"});
  ASSERT_EQ(calls[0].second.size(), 1u);
  EXPECT_EQ(calls[0].second[0], std::vector<std::string>{"synth"});
  EXPECT_TRUE(has(r.applied, "midi.connect_input"));
  EXPECT_TRUE(has(r.applied, "midi.output[0].connect"));
  EXPECT_TRUE(r.needs_restart.empty());
  r = d.reload->reload();  // applied: nothing to ask again
  EXPECT_EQ(calls.size(), 1u);
  EXPECT_TRUE(r.needs_restart.empty() && r.applied.empty());

  answer = "the alsa backend connects its ports at start only";
  f.write("clarad.toml", "[midi]\nconnect_input = [\"organ\"]\n[[midi.output]]\nconnect = [\"synth\"]\n");
  r = d.reload->reload();
  EXPECT_EQ(calls.size(), 2u);
  EXPECT_TRUE(has(r.needs_restart, "midi.connect_input"));
  EXPECT_FALSE(has(r.applied, "midi.connect_input"));
  r = d.reload->reload();  // refused: asked again at each reload, and said again
  EXPECT_EQ(calls.size(), 3u);
  EXPECT_TRUE(has(r.needs_restart, "midi.connect_input"));

  // Without a backend hook (no ports here) they wait for a restart.
  Daemon plain({"--config", file.string()});
  f.write("clarad.toml", "[midi]\nconnect_input = [\"kbd\", \"pads\"]\n");
  EXPECT_TRUE(has(plain.reload->reload().needs_restart, "midi.connect_input"));
}

TEST(ConfigReload, OutputPortNamesGoToTheBackendWhichMayRefuse) {
  Folder f;
  const auto file = f.write("clarad.toml", "[[midi.output]]\nname = \"midi_out\"\n");
  std::vector<std::vector<std::string>> calls;
  std::optional<std::string> answer;  // what the backend says
  ControlHooks hooks;
  hooks.rename_outputs = [&](const std::vector<std::string>& names) {
    calls.push_back(names);
    return answer;
  };
  Daemon d({"--config", file.string()}, hooks);
  f.write("clarad.toml", "[[midi.output]]\nname = \"synth_out\"\n");
  ReloadOutcome r = d.reload->reload();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0], std::vector<std::string>{"synth_out"});
  EXPECT_TRUE(has(r.applied, "midi.output[0].name"));
  EXPECT_TRUE(r.needs_restart.empty());
  r = d.reload->reload();  // applied: nothing to ask again
  EXPECT_EQ(calls.size(), 1u);
  EXPECT_TRUE(r.needs_restart.empty() && r.applied.empty());

  // A second output: the backend refuses another number of ports; asked again at each reload.
  answer = "clarad has 1 output port(s); another number needs a restart";
  f.write("clarad.toml", "[[midi.output]]\nname = \"synth_out\"\n[[midi.output]]\nname = \"drums\"\n");
  r = d.reload->reload();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1], (std::vector<std::string>{"synth_out", "drums"}));
  EXPECT_TRUE(has(r.needs_restart, "midi.output[1].name"));
  EXPECT_FALSE(has(r.applied, "midi.output[1].name"));
  r = d.reload->reload();
  EXPECT_EQ(calls.size(), 3u);
  EXPECT_TRUE(has(r.needs_restart, "midi.output[1].name"));

  // Without a backend hook (no ports here) they wait for a restart.
  Daemon plain({"--config", file.string()});
  f.write("clarad.toml", "[[midi.output]]\nname = \"other\"\n");
  EXPECT_TRUE(has(plain.reload->reload().needs_restart, "midi.output[0].name"));
}

TEST(ConfigReload, OscSocketsAreReboundByTheControlPlaneWhichMayRefuse) {
  Folder f;
  const auto file = f.write("clarad.toml", "[control]\nudp_port = 9000\ntcp_port = 9000\n");
  std::vector<ControlSettings> calls;
  std::optional<std::string> answer;  // what the control plane says
  ControlHooks hooks;
  hooks.rebind_osc = [&](const ControlSettings& c) {
    calls.push_back(c);
    return answer;
  };
  Daemon d({"--config", file.string()}, hooks);
  f.write("clarad.toml", "[control]\nudp_port = 9100\ntcp_port = 9000\ntoken = \"s3cret-token-42\"\n[duet]\ntempo = 100\n");
  ReloadOutcome r = d.reload->reload();
  ASSERT_EQ(calls.size(), 1u);  // one rebind for all the OSC keys, with the new file's values
  EXPECT_EQ(calls[0].udp_port, 9100);
  EXPECT_EQ(calls[0].tcp_port, 9000);
  EXPECT_EQ(calls[0].token, "s3cret-token-42");
  EXPECT_TRUE(has(r.applied, "control.udp_port"));
  EXPECT_TRUE(has(r.applied, "control.token"));
  EXPECT_TRUE(has(r.applied, "duet.tempo"));
  EXPECT_TRUE(r.needs_restart.empty());
  r = d.reload->reload();  // applied: nothing to ask again
  EXPECT_EQ(calls.size(), 1u);
  EXPECT_TRUE(r.needs_restart.empty() && r.applied.empty());

  answer = "OSC: cannot listen on tcp 127.0.0.1 port 9200: Address already in use";
  f.write("clarad.toml", "[control]\nudp_port = 9100\ntcp_port = 9200\ntoken = \"s3cret-token-42\"\n[duet]\ntempo = 100\n");
  r = d.reload->reload();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].tcp_port, 9200);
  EXPECT_TRUE(has(r.needs_restart, "control.tcp_port"));
  EXPECT_FALSE(has(r.applied, "control.tcp_port"));
  r = d.reload->reload();  // refused: asked again at each reload
  EXPECT_EQ(calls.size(), 3u);
  EXPECT_TRUE(has(r.needs_restart, "control.tcp_port"));
  answer.reset();  // the port came free
  r = d.reload->reload();
  EXPECT_EQ(calls.size(), 4u);
  EXPECT_TRUE(has(r.applied, "control.tcp_port"));
  EXPECT_TRUE(r.needs_restart.empty());

  // learn is armed at start only: it waits, and no rebind is asked for it.
  f.write("clarad.toml",
          "[control]\nudp_port = 9100\ntcp_port = 9200\ntoken = \"s3cret-token-42\"\nlearn = \"temperature\"\n[duet]\ntempo = 100\n");
  r = d.reload->reload();
  EXPECT_EQ(calls.size(), 4u);
  EXPECT_TRUE(has(r.needs_restart, "control.learn"));

  // Without a control plane (no OSC server here) the sockets wait for a restart.
  Daemon plain({"--config", file.string()});
  f.write("clarad.toml", "[control]\nudp_port = 9300\n");
  EXPECT_TRUE(has(plain.reload->reload().needs_restart, "control.udp_port"));
}

TEST(ConfigReload, ARefusedEditChangesNothing) {
  Folder f;
  const auto file = f.write("clarad.toml", "[duet]\ntempo = 120.0\n");
  Daemon d({"--config", file.string()});
  // A value every check of the file passes but the engine refuses: an instrument the
  // model's part table lacks.
  f.write("clarad.toml", "[duet]\ntempo = 100.0\nclara_instrument = \"zz\"\n");
  const ReloadOutcome r = d.reload->reload();
  ASSERT_TRUE(r.refused || !r.errors.empty());
  EXPECT_TRUE(r.applied.empty());
  EXPECT_TRUE(d.sink.commands.empty());
  EXPECT_DOUBLE_EQ(d.hub->state().bpm, 120.0);
}

TEST(ConfigReload, StartedOnTheDefaultsAFileWrittenSinceIsRead) {
  Folder f;
  setenv("XDG_CONFIG_HOME", (f.dir / "xdg").c_str(), 1);
  setenv("CLARA_SYSTEM_CONFIG_DIR", (f.dir / "etc").c_str(), 1);
  Daemon d({});
  fs::create_directories(f.dir / "etc");
  f.write("etc/clarad.toml", "[duet]\ntempo = 70.0\n");
  const ReloadOutcome r = d.reload->reload();
  EXPECT_NE(r.file.find("etc/clarad.toml"), std::string::npos) << r.file;
  EXPECT_TRUE(has(r.applied, "duet.tempo"));
  EXPECT_DOUBLE_EQ(d.hub->state().bpm, 70.0);
  unsetenv("XDG_CONFIG_HOME");
  unsetenv("CLARA_SYSTEM_CONFIG_DIR");
}

TEST(ConfigReload, WhichKeysAreLive) {
  for (const char* k : {"duet.mode", "duet.tempo", "sampler.temperature", "sampler.seed", "route[2].channel",
                        "log.level", "duet.answer_bars", "route[0].note_low", "route[1].output",
                        "sampler.key_keeping"})
    EXPECT_TRUE(live_setting(k)) << k;
  for (const char* k : {"midi.backend", "midi.client_name", "midi.output[0].connect", "control.bind",
                        "control.udp_port", "control.token", "model.threads", "route[0].instrument", "session.dir",
                        "duet.commit_steps"})
    EXPECT_FALSE(live_setting(k)) << k;
}

}  // namespace
}  // namespace clara::daemon
