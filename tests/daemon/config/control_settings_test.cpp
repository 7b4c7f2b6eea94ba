// [control]: the OSC control plane's settings from the file and the flags, the address
// checks, and the token rules: OSC off loopback needs one (exit code 78), a short one is
// refused, and no error ever shows it.
#include "daemon/config/control_settings.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

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
      fs::temp_directory_path() / ("clara-control-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".toml");
  std::ofstream(p) << text;
  return p;
}

struct Outcome {
  std::string error;  // "" when accepted
  int exit_code = 0;
  DaemonSettings settings;
};

Outcome parse(const std::vector<std::string>& args) {
  Outcome o;
  try {
    parse_command_line(args, o.settings);
  } catch (const SettingsError& e) {
    o.error = e.what();
    o.exit_code = e.exit_code();
  }
  return o;
}

// The file through clarad's own path: --config, then validate().
Outcome parse_file(const std::string& text, std::vector<std::string> more = {}) {
  const fs::path p = write_temp(text);
  more.insert(more.begin(), {"--config", p.string()});
  Outcome o = parse(more);
  fs::remove(p);
  return o;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(ControlSettings, DefaultsListenOnLoopbackOnPort9000WithoutAToken) {
  const ControlSettings c;
  EXPECT_EQ(c.bind, (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_EQ(c.udp_port, 9000);
  EXPECT_EQ(c.tcp_port, 9000);
  EXPECT_EQ(c.framing, OscFraming::detect);
  EXPECT_EQ(c.token, "");
  EXPECT_EQ(c.max_tcp_connections, 16);
  EXPECT_EQ(c.idle_timeout_s, 300);
  EXPECT_EQ(c.max_subscribers, 16);
  EXPECT_EQ(c.tcp_buffer_bytes, 65536);
  EXPECT_EQ(c.auth_failures_per_s, 5);
  EXPECT_EQ(c.learn, "");
  EXPECT_TRUE(c.enabled());
  EXPECT_NO_THROW(c.validate());
  EXPECT_NO_THROW(c.check_exposure());
  EXPECT_EQ(parse({}).error, "");
}

TEST(ControlSettings, ReadsEveryKey) {
  const Outcome o = parse_file(R"([control]
bind = ["0.0.0.0", "::"]
udp_port = 9100
tcp_port = 0
framing = "slip"
token = "correct horse battery"
max_tcp_connections = 4
idle_timeout_s = 60
max_subscribers = 0
tcp_buffer_bytes = 1024
auth_failures_per_s = 1000
learn = "tempo"
)");
  ASSERT_EQ(o.error, "");
  const ControlSettings& c = o.settings.control;
  EXPECT_EQ(c.bind, (std::vector<std::string>{"0.0.0.0", "::"}));
  EXPECT_EQ(c.udp_port, 9100);
  EXPECT_EQ(c.tcp_port, 0);
  EXPECT_EQ(c.framing, OscFraming::slip);
  EXPECT_EQ(c.token, "correct horse battery");
  EXPECT_EQ(c.max_tcp_connections, 4);
  EXPECT_EQ(c.idle_timeout_s, 60);
  EXPECT_EQ(c.max_subscribers, 0);
  EXPECT_EQ(c.tcp_buffer_bytes, 1024);
  EXPECT_EQ(c.auth_failures_per_s, 1000);
  EXPECT_EQ(c.learn, "tempo");
  EXPECT_EQ(parse_file("[control]\nframing = \"size\"\n").settings.control.framing, OscFraming::size);
}

TEST(ControlSettings, FramingNamesRoundTrip) {
  for (OscFraming f : {OscFraming::detect, OscFraming::size, OscFraming::slip})
    EXPECT_EQ(parse_osc_framing(to_string(f)), f);
  EXPECT_THROW(parse_osc_framing("length"), std::invalid_argument);
}

TEST(ControlSettings, BoundsAreRefusedNamingLineKeyAndRange) {
  struct Case {
    std::string line, key, range;
  };
  const std::vector<Case> cases{
      {"udp_port = -1", "control.udp_port", "0..65535"},
      {"udp_port = 65536", "control.udp_port", "0..65535"},
      {"tcp_port = 4294967296", "control.tcp_port", "0..65535"},
      {"max_tcp_connections = 0", "control.max_tcp_connections", "1..1024"},
      {"max_tcp_connections = 1025", "control.max_tcp_connections", "1..1024"},
      {"idle_timeout_s = 0", "control.idle_timeout_s", "1..86400"},
      {"idle_timeout_s = 86401", "control.idle_timeout_s", "1..86400"},
      {"max_subscribers = -1", "control.max_subscribers", "0..256"},
      {"max_subscribers = 257", "control.max_subscribers", "0..256"},
      {"tcp_buffer_bytes = 1023", "control.tcp_buffer_bytes", "1024..1048576"},
      {"tcp_buffer_bytes = 1048577", "control.tcp_buffer_bytes", "1024..1048576"},
      {"auth_failures_per_s = 0", "control.auth_failures_per_s", "1..1000"},
      {"auth_failures_per_s = 1001", "control.auth_failures_per_s", "1..1000"},
      {"framing = \"length\"", "control.framing", "detect, size, slip"},
      {"learn = \"volume\"", "control.learn", "temperature, random_freq"},
      {"bind = []", "control.bind", "1..16"},
      {"bind = [\"localhost\"]", "control.bind[0]", "not an IP address"},
      {"bind = [\"127.0.0.1\", \"10.0.0.300\"]", "control.bind[1]", "'10.0.0.300' is not an IP address"},
      {"bind = [\"fe80::1%eth0\"]", "control.bind[0]", "not an IP address"},
      {"bind = [\"::1\", \"::1\"]", "control.bind[1]", "listed twice"},
      {"bind = \"0.0.0.0\"", "control.bind", "array of strings"},
      {"bogus = 1", "control.bogus", "unknown key"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.line);
    const fs::path p = write_temp("# control\n[control]\n" + c.line + "\n");
    std::string error;
    try {
      DaemonSettings s;
      load_config_file(p, s);
    } catch (const SettingsError& e) {
      error = e.what();
      EXPECT_EQ(e.exit_code(), 78);  // EX_CONFIG: anything wrong with the config file
    }
    EXPECT_TRUE(test::has_problem(error, p.string(), 3, c.key + ": ")) << error;
    EXPECT_TRUE(has(error, c.range)) << error;
    fs::remove(p);
  }
}

TEST(ControlSettings, ValidateChecksWhatTheFileChecks) {
  auto error = [](const std::function<void(ControlSettings&)>& change) {
    ControlSettings c;
    change(c);
    try {
      c.validate();
    } catch (const SettingsError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_TRUE(has(error([](auto& c) { c.bind = {}; }), "control.bind"));
  EXPECT_TRUE(has(error([](auto& c) { c.bind = {"example.org"}; }), "'example.org': not an IP address"));
  EXPECT_TRUE(has(error([](auto& c) { c.bind = {"::1", "::1"}; }), "listed twice"));
  EXPECT_TRUE(has(error([](auto& c) { c.udp_port = 70000; }), "control.udp_port 70000: must be in 0..65535"));
  EXPECT_TRUE(has(error([](auto& c) { c.tcp_buffer_bytes = 10; }), "control.tcp_buffer_bytes"));
  EXPECT_TRUE(has(error([](auto& c) { c.learn = "volume"; }), "control.learn 'volume'"));
  EXPECT_TRUE(has(error([](auto& c) { c.token = "1234567"; }), "control.token: shorter than 8"));
  EXPECT_EQ(error([](auto& c) { c.token = "12345678"; }), "");
}

TEST(ControlSettings, AddressesAreLiteralsAndLoopbackIs127Slash8AndColonColon1) {
  for (const char* a : {"127.0.0.1", "127.255.0.9", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(is_ip_literal(a)) << a;
    EXPECT_TRUE(is_loopback_address(a)) << a;
  }
  for (const char* a : {"0.0.0.0", "::", "192.168.1.10", "128.0.0.1", "::2", "fe80::1", "::ffff:10.0.0.1"}) {
    EXPECT_TRUE(is_ip_literal(a)) << a;
    EXPECT_FALSE(is_loopback_address(a)) << a;
  }
  for (const char* a : {"", "localhost", "127.0.0.1:9000", "1.2.3", " 127.0.0.1", "[::1]", "fe80::1%lo"}) {
    EXPECT_FALSE(is_ip_literal(a)) << a;
    EXPECT_FALSE(is_loopback_address(a)) << a;
  }
}

TEST(ControlSettings, OffLoopbackWithoutATokenClaradRefusesToStartWithExitCode78) {
  for (const char* bind : {"0.0.0.0", "::", "192.168.1.10", "::ffff:10.0.0.1"}) {
    SCOPED_TRACE(bind);
    const Outcome o = parse_file(std::string("[control]\nbind = [\"127.0.0.1\", \"") + bind + "\"]\n");
    EXPECT_EQ(o.exit_code, 78);
    EXPECT_TRUE(has(o.error, std::string("control.bind '") + bind + "' is not a loopback address")) << o.error;
    EXPECT_TRUE(has(o.error, "control.token is empty")) << o.error;
    EXPECT_TRUE(has(o.error, "refusing to start")) << o.error;

    // parse_command_line_or_exit is what main() returns.
    const fs::path p = write_temp(std::string("[control]\nbind = [\"") + bind + "\"]\n");
    DaemonSettings s;
    EXPECT_EQ(parse_command_line_or_exit({"--config", p.string()}, s), std::optional<int>(78));
    fs::remove(p);
  }
  // A token, OSC off or loopback only: nothing to refuse.
  EXPECT_EQ(parse_file("[control]\nbind = [\"0.0.0.0\"]\ntoken = \"8charsok\"\n").error, "");
  EXPECT_EQ(parse_file("[control]\nbind = [\"0.0.0.0\"]\nudp_port = 0\ntcp_port = 0\n").error, "");
  EXPECT_EQ(parse_file("[control]\nbind = [\"127.0.0.2\", \"::1\"]\n").error, "");
  // The file need not be safe alone: --no-osc makes it so.
  EXPECT_EQ(parse_file("[control]\nbind = [\"0.0.0.0\"]\n", {"--no-osc"}).error, "");
  EXPECT_EQ(parse_file("[control]\nbind = [\"0.0.0.0\"]\n", {"--osc-port", "9001"}).exit_code, 78);
  // A bad flag value is still 64.
  DaemonSettings s;
  EXPECT_EQ(parse_command_line_or_exit({"--osc-port", "65536"}, s), std::optional<int>(64));
  EXPECT_EQ(parse_command_line_or_exit({}, s), std::nullopt);
}

TEST(ControlSettings, ATokenShorterThan8CharactersIsRefusedAsEasyToGuess) {
  const Outcome o = parse_file("[control]\n\ntoken = \"hunter2\"\n");
  EXPECT_EQ(o.exit_code, 78);
  EXPECT_TRUE(has(o.error, ":3:9: control.token: shorter than 8 characters, easy to guess")) << o.error;
  EXPECT_EQ(parse_file("[control]\ntoken = \"hunter22\"\n").error, "");
  EXPECT_EQ(parse_file("[control]\ntoken = \"\"\n").error, "");  // none, loopback only
  EXPECT_TRUE(has(parse_file("[control]\ntoken = 12345678\n").error, "control.token: must be a string"));
}

// Every error a file with a token can cause: none may show the token or a part of it.
TEST(ControlSettings, TheTokenNeverAppearsInAnError) {
  const std::string secret = "Zq7sEcReT";
  const std::vector<std::string> files{
      "[control]\ntoken = \"Zq7sEcR\"\n",  // too short: its own error must not show it
      "[control]\ntoken = \"" + secret + "\"\nbind = [\"nowhere\"]\n",
      "[control]\ntoken = \"" + secret + "\"\nudp_port = 70000\n",
      "[control]\ntoken = \"" + secret + "\"\nlearn = \"volume\"\n",
      "[control]\ntoken = \"" + secret + "\"\nbind = [\"0.0.0.0\", \"0.0.0.0\"]\n",
      "[control]\ntoken = \"" + secret + "\"\nunknown = 1\n",
      "[control]\ntoken = \"" + secret + "\"\n[duet]\ntempo = 1000\n",
      "[control]\ntoken = \"" + secret + "\n",                   // unterminated string
      "[control]\ntoken = " + secret + "\n",                     // not a string
      "[control]\ntoken = \"" + secret + "\"\ntoken = \"x\"\n",  // given twice
      "[control]\ntoken = [\"" + secret + "\"]\n",
  };
  for (const auto& text : files) {
    SCOPED_TRACE(text);
    const Outcome o = parse_file(text);
    ASSERT_NE(o.error, "");
    for (std::size_t i = 0; i + 4 <= secret.size(); ++i) EXPECT_FALSE(has(o.error, secret.substr(i, 4))) << o.error;
  }
  // Nor does a refusal of the flags' making, with the token in the file.
  const Outcome o = parse_file("[control]\ntoken = \"" + secret + "\"\n", {"--osc-port", "-1"});
  ASSERT_NE(o.error, "");
  EXPECT_FALSE(has(o.error, secret)) << o.error;
}

TEST(ControlSettings, OscPortNoOscAndLearnFlags) {
  Outcome o = parse({"--osc-port", "9123"});
  ASSERT_EQ(o.error, "");
  EXPECT_EQ(o.settings.control.udp_port, 9123);
  EXPECT_EQ(o.settings.control.tcp_port, 9123);
  o = parse_file("[control]\nudp_port = 1\ntcp_port = 2\n", {"--osc-port=7000"});
  EXPECT_EQ(o.settings.control.udp_port, 7000);
  EXPECT_EQ(o.settings.control.tcp_port, 7000);
  o = parse({"--no-osc"});
  ASSERT_EQ(o.error, "");
  EXPECT_EQ(o.settings.control.udp_port, 0);
  EXPECT_EQ(o.settings.control.tcp_port, 0);
  EXPECT_FALSE(o.settings.control.enabled());
  o = parse({"--learn", "temperature"});
  ASSERT_EQ(o.error, "");
  EXPECT_EQ(o.settings.control.learn, "temperature");
  EXPECT_EQ(parse_file("[control]\nlearn = \"tempo\"\n", {"--learn=panic"}).settings.control.learn, "panic");

  for (const char* port : {"65536", "-1", "90x", "0x10", ""}) {
    o = parse({"--osc-port", port});
    EXPECT_TRUE(has(o.error, std::string("--osc-port ") + port + ": must be an integer in 0..65535")) << o.error;
  }
  o = parse({"--learn", "volume"});
  EXPECT_TRUE(has(o.error, "--learn volume: not a control; use one of temperature, random_freq")) << o.error;
  EXPECT_NE(parse({"--no-osc", "--osc-port", "9000"}).error, "");
  const auto help = parse_command_line({"--help"}, o.settings).help_text;
  for (const char* part : {"--osc-port", "--no-osc", "--learn", "78"}) EXPECT_TRUE(has(help, part)) << part;
  EXPECT_TRUE(has(exit_codes_text(), "unsafe configuration: OSC control on a non-loopback address"));
}
