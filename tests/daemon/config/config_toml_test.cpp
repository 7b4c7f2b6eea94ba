// clarad --print-config: the effective settings as a clarad.toml, each key with where its
// value came from, which the loader reads back to the same settings (the token excepted).
#include "daemon/config/config_toml.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <regex>
#include <sstream>
#include <toml++/toml.h>

#include "daemon/config/command_line.hpp"
#include "daemon/config/config_file.hpp"
#include "tests/daemon/config/settings_differences.hpp"

namespace fs = std::filesystem;
using namespace clara;
using namespace clara::daemon;
using test::differences;

namespace {

fs::path write_temp(const std::string& text) {
  static int n = 0;
  const fs::path p =
      fs::temp_directory_path() / ("clara-print-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".toml");
  std::ofstream(p) << text;
  return p;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s.empty() ? "(none)" : s;
}

// The routes as written, not as clarad fills them in: a round trip must not add one.
std::vector<std::string> route_differences(const DaemonSettings& a, const DaemonSettings& b) {
  std::vector<std::string> d;
  if (a.routes.size() != b.routes.size()) return {"routes.size"};
  for (std::size_t i = 0; i < a.routes.size(); ++i) {
    const auto& x = a.routes[i];
    const auto& y = b.routes[i];
    if (std::tie(x.instrument, x.output, x.channel, x.program, x.velocity_curve, x.note_low, x.note_high) !=
        std::tie(y.instrument, y.output, y.channel, y.program, y.velocity_curve, y.note_low, y.note_high))
      d.push_back("routes[" + std::to_string(i) + "]");
  }
  return d;
}

// What clarad --print-config writes for `args`, and its exit code.
struct Printed {
  std::optional<int> exit_code;
  std::string out;
};
Printed print(std::vector<std::string> args) {
  args.push_back("--print-config");
  DaemonSettings s;
  testing::internal::CaptureStdout();
  Printed p;
  p.exit_code = parse_command_line_or_exit(args, s);
  std::fflush(stdout);
  p.out = testing::internal::GetCapturedStdout();
  return p;
}

// The text without its comments: what a second --print-config must repeat exactly.
std::string without_comments(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    // No value printed holds a '#' outside a string in these tests.
    const auto hash = line.find("  #");
    if (line.starts_with("#")) continue;
    if (hash != std::string::npos) line.erase(hash);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    if (!line.empty()) out += line + "\n";
  }
  return out;
}

DaemonSettings load_text(const std::string& text) {
  DaemonSettings s;
  load_config_text(text, "printed.toml", s);
  return s;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Every line "key = value  # origin" of `text` as key -> origin, the key dotted with its
// table ("duet.tempo", "route[0].channel").
std::map<std::string, std::string> origins(const std::string& text) {
  std::map<std::string, std::string> o;
  std::map<std::string, int> count;
  std::istringstream in(text);
  std::string table;
  const std::regex header(R"(^\[\[?([a-z_.]+)\]\]?$)"), key(R"(^([a-z_]+) = .*?  # (.*)$)");
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_match(line, m, header)) {
      table = m[1];
      if (line.starts_with("[[")) table += "[" + std::to_string(count[table]++) + "]";
    } else if (std::regex_match(line, m, key)) {
      o[table + "." + std::string(m[1])] = m[2];
    }
  }
  return o;
}

const char* kEveryKey = R"(
[midi]
backend = "alsa"
client_name = "duo \"one\""
jack_server = "studio"
connect_input = ["Keystation.*", "a2j:[0-9]+"]
startup_panic_channels = [1, 10, 16]
[[midi.output]]
name = "piano"
connect = ["fluidsynth:.*"]
max_note_ms = 0
max_polyphony = 2048
[[midi.output]]
name = "strings"
[model]
name = "chamber"
threads = 3
tokens_per_step_budget = 2.5
[duet]
mode = "accompany"
tempo = 96.5
answer_silence_beats = 0.75
answer_bars = 3
beats_per_bar = 7
lookahead_beats = 1.1
commit_steps = 0
human_instrument = "v"
clara_instrument = "p"
velocity = 90
[sampler]
policy = "top-p"
temperature = 0.7
top_k = 40
top_p = 0.8
random_freq = 0.1
seed = "18446744073709551615"
[[route]]
instrument = "p"
output = 1
channel = 10
program = 0
velocity_curve = 0.5
note_low = 21
note_high = 108
[[route]]
instrument = "v"
[session]
record = false
dir = "/tmp/x y"
[log]
level = "debug"
[control]
bind = ["127.0.0.1"]
udp_port = 9001
tcp_port = 0
framing = "slip"
max_tcp_connections = 2
idle_timeout_s = 60
max_subscribers = 0
tcp_buffer_bytes = 1024
auth_failures_per_s = 1000
learn = "tempo"
[[cc]]
controller = 21
control = "temperature"
min = 0.2
max = 2.0
curve = "exponential"
[[cc]]
controller = 80
channel = 16
control = "start_stop"
[solo]
candidates = 2
critic = "critic-b"
)";

}  // namespace

TEST(PrintConfig, TheDefaultsPrintAsDefaultsAndReadBackToThem) {
  const std::string text = config_toml(DaemonSettings{}, SettingSources{});
  EXPECT_NO_THROW(toml::parse(text));
  EXPECT_EQ(joined(differences(load_text(text), DaemonSettings{})), "(none)") << text;
  const auto o = origins(text);
  EXPECT_GE(o.size(), 40u) << text;
  for (const auto& [key, from] : o) EXPECT_EQ(from, "default") << key;
  EXPECT_TRUE(has(text, "tempo = 120.0                     # default\n")) << text;
  EXPECT_TRUE(has(text, "# human_instrument: not set, so the model decides")) << text;
}

TEST(PrintConfig, EveryKeyOfAFileAndItsLineAndEveryFlagAreShownAndReadBack) {
  const fs::path p = write_temp(kEveryKey);
  const std::vector<std::string> args{"--config", p.string(), "--tempo", "133", "--no-record", "--osc-port", "9100",
                                      "--connect-out", "synth:.*", "-v", "--candidates", "3"};
  DaemonSettings s;
  const CommandLine cl = parse_command_line(args, s);
  const std::string text = config_toml(s, cl.sources);
  const auto o = origins(text);
  EXPECT_EQ(o.at("duet.tempo"), "--tempo");
  EXPECT_EQ(o.at("session.record"), "--no-record");
  EXPECT_EQ(o.at("control.udp_port"), "--osc-port");
  EXPECT_EQ(o.at("control.tcp_port"), "--osc-port");
  EXPECT_EQ(o.at("midi.output[0].connect"), "--connect-out");
  EXPECT_EQ(o.at("log.level"), "--verbose");
  EXPECT_EQ(o.at("duet.mode"), p.string() + ":20");
  EXPECT_EQ(o.at("midi.backend"), p.string() + ":3");
  EXPECT_EQ(o.at("route[0].note_high"), p.string() + ":44");
  EXPECT_EQ(o.at("route[1].instrument"), p.string() + ":46");
  EXPECT_EQ(o.at("route[1].channel"), "default");
  EXPECT_EQ(o.at("midi.output[1].max_note_ms"), "default");
  EXPECT_EQ(o.at("cc[0].curve"), p.string() + ":68");
  EXPECT_EQ(o.at("cc[1].control"), p.string() + ":72");
  EXPECT_EQ(o.at("solo.candidates"), "--candidates");
  EXPECT_EQ(o.at("solo.critic"), p.string() + ":75");
  EXPECT_TRUE(has(text, "candidates = 3")) << text;
  // Every key the loader reads is written (the cc channel of cc[0]: any, a comment).
  for (const auto& key : config_file_keys()) {
    bool seen = false;
    const std::string table = key.substr(0, key.rfind('.')), name = key.substr(key.rfind('.') + 1);
    for (const auto& [k, from] : o)
      seen |= k.substr(k.rfind('.') + 1) == name &&
              (k.starts_with(table + ".") || k.starts_with(table + "["));
    EXPECT_TRUE(seen) << key << " is not printed";
  }

  const DaemonSettings back = load_text(text);
  EXPECT_EQ(joined(differences(back, s)), "(none)") << text;
  EXPECT_EQ(joined(route_differences(back, s)), "(none)");
  EXPECT_EQ(back.duet.sampler.seed, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(back.midi.client_name, "duo \"one\"");
  fs::remove(p);
}

TEST(PrintConfig, ClaradPrintsItExits0AndASecondRunOnItsOutputPrintsTheSame) {
  const fs::path p = write_temp(kEveryKey);
  const Printed first = print({"--config", p.string(), "--answer-bars", "5", "--channel", "4", "--seed", "7"});
  EXPECT_EQ(first.exit_code, std::optional<int>(0));
  EXPECT_TRUE(has(first.out, "# config file " + p.string() + " (--config)\n")) << first.out;
  EXPECT_TRUE(has(first.out, "answer_bars = 5                   # --answer-bars\n")) << first.out;
  // --channel moves Clara's own route (route[0], instrument p).
  EXPECT_EQ(origins(first.out).at("route[0].channel"), "--channel");
  const fs::path again = write_temp(first.out);
  const Printed second = print({"--config", again.string()});
  EXPECT_EQ(second.exit_code, std::optional<int>(0));
  EXPECT_EQ(without_comments(second.out), without_comments(first.out));
  EXPECT_EQ(origins(second.out).at("duet.answer_bars"), again.string() + ":" + [&] {
    std::istringstream in(first.out);
    int n = 0;
    for (std::string line; std::getline(in, line);) {
      ++n;
      if (line.starts_with("answer_bars = ")) break;
    }
    return std::to_string(n);
  }());

  DaemonSettings a, b;
  parse_command_line({"--config", p.string(), "--answer-bars", "5", "--channel", "4", "--seed", "7"}, a);
  parse_command_line({"--config", again.string()}, b);
  // --channel also sets DuetConfig::clara_channel, which no file key holds; the file's route
  // carries the channel Clara plays on instead (route_differences), as config_toml.hpp says.
  EXPECT_EQ(joined(differences(a, b)), "duet.clara_channel");
  EXPECT_EQ(joined(route_differences(a, b)), "(none)");
  fs::remove(p);
  fs::remove(again);
}

TEST(PrintConfig, ChannelWithoutARouteForClaraIsWrittenAsOne) {
  const Printed first = print({"--channel", "5", "--no-osc"});
  ASSERT_EQ(first.exit_code, std::optional<int>(0));
  EXPECT_TRUE(has(first.out, "# Clara's channel (--channel): no [[route]] named her instrument")) << first.out;
  const fs::path again = write_temp(first.out);
  const Printed second = print({"--config", again.string()});
  EXPECT_EQ(without_comments(second.out), without_comments(first.out));
  DaemonSettings a, b;
  parse_command_line({"--channel", "5", "--no-osc"}, a);
  parse_command_line({"--config", again.string()}, b);
  const auto ra = effective_routes(a), rb = effective_routes(b);
  ASSERT_EQ(ra.size(), 1u);
  ASSERT_EQ(rb.size(), 1u);
  EXPECT_EQ(ra[0].channel, 4);
  EXPECT_EQ(rb[0].channel, 4);  // Clara plays on channel 5 either way
  fs::remove(again);
}

TEST(PrintConfig, TheTokenIsNeverPrintedOnlyWhereItWasSet) {
  const std::string secret = "Zq7sEcReTtoken";
  const fs::path p = write_temp("[control]\nbind = [\"0.0.0.0\"]\n\ntoken = \"" + secret + "\"\n");
  const Printed out = print({"--config", p.string()});
  EXPECT_EQ(out.exit_code, std::optional<int>(0));
  EXPECT_FALSE(has(out.out, secret.substr(0, 4))) << out.out;
  EXPECT_FALSE(has(out.out, "\ntoken =")) << out.out;
  EXPECT_TRUE(has(out.out, "# token: set in " + p.string() + ":4 (not shown; add it back to use this as a config file)"))
      << out.out;
  // Read back, the token is missing, so this file, off loopback, is refused as unsafe (78).
  const fs::path again = write_temp(out.out);
  EXPECT_EQ(print({"--config", again.string()}).exit_code, std::optional<int>(78));
  fs::remove(p);
  fs::remove(again);
}

TEST(PrintConfig, ItRefusesWhatClaradWouldRefuse) {
  const fs::path p = write_temp("[duet]\ntempo = 1000\n");
  const Printed bad = print({"--config", p.string()});
  EXPECT_EQ(bad.exit_code, std::optional<int>(78));
  EXPECT_EQ(bad.out, "");
  EXPECT_EQ(print({"--tempo", "1000"}).exit_code, std::optional<int>(64));
  fs::remove(p);
}

TEST(PrintConfig, WhatNoFileKeyHoldsIsAComment) {
  const Printed out = print({"--stats-file", "/tmp/stats.json", "--allow-root"});
  EXPECT_TRUE(has(out.out, "# stats file \"/tmp/stats.json\" (--stats-file): no config key holds it")) << out.out;
  EXPECT_TRUE(has(out.out, "# allow_root: set by --allow-root, which no config key holds")) << out.out;
  EXPECT_FALSE(has(print({}).out, "allow_root"));
}
