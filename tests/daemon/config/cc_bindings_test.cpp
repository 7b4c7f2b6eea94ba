// [[cc]] tables: what the loader takes, each refusal with the file, line, key and reason,
// and what a binding maps a CC value to.
#include "daemon/config/cc_bindings.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "daemon/config/command_line.hpp"
#include "daemon/config/config_file.hpp"
#include "tests/daemon/config/config_problem.hpp"

namespace fs = std::filesystem;
using namespace clara;
using namespace clara::daemon;

namespace {

struct Loaded {
  DaemonSettings settings;
  std::string error;
  std::string path;
};

Loaded load(const std::string& text) {
  static int n = 0;
  const fs::path p =
      fs::temp_directory_path() / ("clara-cc-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".toml");
  std::ofstream(p) << text;
  Loaded l;
  l.path = p.string();
  try {
    load_config_file(p, l.settings);
  } catch (const SettingsError& e) {
    l.error = e.what();
  }
  fs::remove(p);
  return l;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

CcBinding knob(std::string control, double min, double max, CcCurve curve = CcCurve::linear) {
  CcBinding b;
  b.controller = 1;
  b.control = std::move(control);
  b.min = min;
  b.max = max;
  b.curve = curve;
  return b;
}

}  // namespace

TEST(CcBindings, NoneByDefault) { EXPECT_TRUE(DaemonSettings{}.cc.empty()); }

TEST(CcBindings, ReadsGoodTablesWithDefaultsFilledIn) {
  const Loaded l = load(R"(
[[cc]]
controller = 21
control = "temperature"

[[cc]]
controller = 22
channel = 3
control = "tempo"
min = 60
max = 180.5
curve = "exponential"

[[cc]]
controller = 23
control = "velocity"
min = 127
max = 1

[[cc]]
controller = 0
channel = 16
control = "mode"

[[cc]]
controller = 119
control = "top_p"
curve = "linear"
)");
  ASSERT_EQ(l.error, "");
  const auto& cc = l.settings.cc;
  ASSERT_EQ(cc.size(), 5u);
  EXPECT_EQ(cc[0].control, "temperature");
  EXPECT_EQ(cc[0].min, 0.05);
  EXPECT_EQ(cc[0].max, 5.0);
  EXPECT_EQ(cc[0].curve, CcCurve::linear);
  EXPECT_EQ(cc[0].controller, 21);
  EXPECT_EQ(cc[0].channel, -1);
  EXPECT_EQ(cc[1].channel, 2);
  EXPECT_EQ(cc[1].control, "tempo");
  EXPECT_EQ(cc[1].min, 60);
  EXPECT_EQ(cc[1].max, 180.5);
  EXPECT_EQ(cc[1].curve, CcCurve::exponential);
  EXPECT_EQ(cc[2].min, 127);  // a reversed knob
  EXPECT_EQ(cc[2].max, 1);
  EXPECT_EQ(cc[3].controller, 0);
  EXPECT_EQ(cc[3].channel, 15);
  EXPECT_EQ(cc[3].control, "mode");
  EXPECT_EQ(cc[3].min, 0);
  EXPECT_EQ(cc[3].max, 0);
  EXPECT_EQ(cc[4].min, 0.01);  // (0, 1]: starts inside
  EXPECT_EQ(cc[4].max, 1.0);
}

TEST(CcBindings, EachRefusalNamesFileLineKeyAndWhy) {
  struct Case {
    std::string body;  // after "[[cc]]\n" on line 2; the offending line is line 3 unless told
    std::string key, why;
    int line = 3;
  };
  const std::vector<Case> cases{
      {"control = \"tempo\"", "cc[0].controller", "missing: the controller number 0..119", 2},
      {"controller = 7", "cc[0].control", "missing: one of temperature, random_freq", 2},
      {"controller = 120\ncontrol = \"tempo\"", "cc[0].controller",
       "controller 120 is a channel-mode message (120..127: all sound off"},
      {"controller = 127\ncontrol = \"tempo\"", "cc[0].controller", "channel-mode message"},
      {"controller = 128\ncontrol = \"tempo\"", "cc[0].controller", "must be an integer in 0..119 (got 128)"},
      {"controller = -1\ncontrol = \"tempo\"", "cc[0].controller", "must be an integer in 0..119 (got -1)"},
      {"controller = 4294967303\ncontrol = \"tempo\"", "cc[0].controller", "must be an integer in 0..119"},
      {"controller = \"7\"\ncontrol = \"tempo\"", "cc[0].controller", "must be an integer in 0..119"},
      {"channel = 0\ncontroller = 7\ncontrol = \"tempo\"", "cc[0].channel", "must be an integer in 1..16 (got 0)"},
      {"channel = 17\ncontroller = 7\ncontrol = \"tempo\"", "cc[0].channel", "must be an integer in 1..16"},
      {"control = \"volume\"\ncontroller = 7", "cc[0].control",
       "must be one of temperature, random_freq, top_p, "
       "answer_bars, velocity, tempo, silence_beats, mode, "
       "start_stop, panic, reset (got 'volume')"},
      {"control = 3\ncontroller = 7", "cc[0].control", "must be a string"},
      {"knob = 1\ncontroller = 7\ncontrol = \"tempo\"", "cc[0].knob", "unknown key"},
      {"min = 0\ncontroller = 7\ncontrol = \"temperature\"", "cc[0].min", "must be a number in [0.05, 5] (got 0)"},
      {"max = 6\ncontroller = 7\ncontrol = \"temperature\"", "cc[0].max", "must be a number in [0.05, 5] (got 6)"},
      {"min = 0\ncontroller = 7\ncontrol = \"top_p\"", "cc[0].min", "must be a number in (0, 1]"},
      {"max = 65\ncontroller = 7\ncontrol = \"answer_bars\"", "cc[0].max", "in [1, 64]"},
      {"max = \"high\"\ncontroller = 7\ncontrol = \"tempo\"", "cc[0].max", "must be a number in [20, 400]"},
      {"max = 90\ncontroller = 7\ncontrol = \"tempo\"\nmin = 90", "cc[0].max",
       "equals min (90): the knob would do nothing"},
      {"curve = \"exponential\"\ncontroller = 7\ncontrol = \"random_freq\"", "cc[0].min",
       "curve exponential (min * (max/min)^(x/127)) needs min and max above 0 (got min 0, max 1)", 2},
      {"min = 0\ncontroller = 7\ncontrol = \"velocity\"\ncurve = \"exponential\"", "cc[0].min",
       "needs min and max above 0"},
      {"curve = \"log\"\ncontroller = 7\ncontrol = \"tempo\"", "cc[0].curve", "must be one of linear, exponential"},
      {"min = 0\ncontroller = 7\ncontrol = \"panic\"", "cc[0].min", "'panic' is a button"},
      {"max = 1\ncontroller = 7\ncontrol = \"mode\"", "cc[0].max", "'mode' is a button (a press acts"},
      {"curve = \"linear\"\ncontroller = 7\ncontrol = \"reset\"", "cc[0].curve", "takes no min, max or curve"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    const Loaded l = load("# cc\n[[cc]]\n" + c.body + "\n");
    EXPECT_TRUE(test::has_problem(l.error, l.path, c.line, c.key + ": ")) << l.error;
    EXPECT_TRUE(has(l.error, c.why)) << l.error;
  }
  EXPECT_TRUE(has(load("cc = 1\n").error, "cc: must be an array of"));
}

TEST(CcBindings, TwoTablesOnOneControllerAndChannelAreRefusedNamingBothLines) {
  const std::string head = "[[cc]]\ncontroller = 7\ncontrol = \"tempo\"\n";
  Loaded l = load(
      "[[cc]]\ncontroller = 7\nchannel = 2\ncontrol = \"tempo\"\n\n[[cc]]\ncontroller = 7\nchannel = 2\n"
      "control = \"panic\"\n");
  EXPECT_TRUE(test::has_problem(l.error, l.path, 6,
                                "cc[1]: controller 7 on channel 2 overlaps cc[0] at line 1 (controller 7 "
                                "on channel 2, bound to tempo)"))
      << l.error;
  // Any channel overlaps every channel, either way round.
  l = load(head + "[[cc]]\ncontroller = 7\nchannel = 16\ncontrol = \"panic\"\n");
  EXPECT_TRUE(test::has_problem(l.error, l.path, 4,
                                "cc[1]: controller 7 on channel 16 overlaps cc[0] at line 1 (controller 7 on any "
                                "channel"))
      << l.error;
  l = load("[[cc]]\ncontroller = 7\nchannel = 1\ncontrol = \"panic\"\n" + head);
  EXPECT_TRUE(test::has_problem(l.error, l.path, 5, "cc[1]: controller 7 on any channel overlaps cc[0] at line 1"))
      << l.error;
  // Other channels, other controllers: fine.
  l = load(
      "[[cc]]\ncontroller = 7\nchannel = 1\ncontrol = \"panic\"\n[[cc]]\ncontroller = 7\nchannel = 2\n"
      "control = \"reset\"\n" +
      std::string("[[cc]]\ncontroller = 8\ncontrol = \"reset\"\n"));
  EXPECT_EQ(l.error, "");
  EXPECT_EQ(l.settings.cc.size(), 3u);
}

TEST(CcBindings, ValidateRefusesWhatTheFileRefuses) {
  DaemonSettings s;
  s.cc = {knob("temperature", 0.05, 5.0)};
  EXPECT_NO_THROW(s.validate());
  s.cc[0].min = 0;
  try {
    s.validate();
    ADD_FAILURE();
  } catch (const SettingsError& e) {
    EXPECT_TRUE(has(e.what(), "cc[0].min: must be a number in [0.05, 5]")) << e.what();
  }
  s.cc = {knob("temperature", 0.05, 5.0), knob("tempo", 20, 400)};
  try {
    s.validate();
    ADD_FAILURE();
  } catch (const SettingsError& e) {
    EXPECT_TRUE(has(e.what(), "cc[1]: controller 1 is already bound by cc[0]")) << e.what();
  }
}

TEST(CcBindings, Problems) {
  EXPECT_EQ(cc_binding_problem(knob("tempo", 20, 400)), std::nullopt);
  EXPECT_EQ(cc_binding_problem(knob("tempo", 400, 20, CcCurve::exponential)), std::nullopt);
  auto key = [](const CcBinding& b) { return cc_binding_problem(b).value_or(CcProblem{"", ""}).key; };
  CcBinding b = knob("tempo", 20, 400);
  b.controller = 120;
  EXPECT_EQ(key(b), "controller");
  b.controller = 7;
  b.channel = 16;
  EXPECT_EQ(key(b), "channel");
  b.channel = -2;
  EXPECT_EQ(key(b), "channel");
  EXPECT_EQ(key(knob("volume", 0, 1)), "control");
  EXPECT_EQ(key(knob("tempo", 10, 400)), "min");
  EXPECT_EQ(key(knob("tempo", 20, 401)), "max");
  EXPECT_EQ(key(knob("tempo", std::nan(""), 400)), "min");
  EXPECT_EQ(key(knob("tempo", 100, 100)), "max");
  EXPECT_EQ(key(knob("velocity", 10, 0, CcCurve::exponential)), "max");
  CcBinding button;
  button.control = "panic";
  EXPECT_EQ(cc_binding_problem(button), std::nullopt);
  button.curve = CcCurve::exponential;
  EXPECT_EQ(key(button), "curve");
}

TEST(CcBindings, LinearMapsTheEndsExactlyAndSpacesEvenly) {
  const CcBinding b = knob("temperature", 0.05, 5.0);
  EXPECT_EQ(cc_binding_value(b, 0), 0.05);
  EXPECT_EQ(cc_binding_value(b, 127), 5.0);
  EXPECT_NEAR(cc_binding_value(b, 64), 0.05 + 4.95 * 64 / 127, 1e-12);
  EXPECT_EQ(cc_binding_value(b, -5), 0.05);  // clamped
  EXPECT_EQ(cc_binding_value(b, 300), 5.0);
  const CcBinding reversed = knob("random_freq", 1, 0);
  EXPECT_EQ(cc_binding_value(reversed, 0), 1.0);
  EXPECT_EQ(cc_binding_value(reversed, 127), 0.0);
  EXPECT_NEAR(cc_binding_value(reversed, 127 - 32), 32.0 / 127, 1e-12);
}

TEST(CcBindings, ExponentialStepsAreEqualRatios) {
  const CcBinding b = knob("tempo", 40, 320, CcCurve::exponential);
  EXPECT_EQ(cc_binding_value(b, 0), 40.0);
  EXPECT_EQ(cc_binding_value(b, 127), 320.0);
  for (int x = 1; x < 127; ++x) {
    const double v = cc_binding_value(b, x);
    EXPECT_NEAR(v, 40 * std::pow(8.0, x / 127.0), 1e-9) << x;
    EXPECT_NEAR(cc_binding_value(b, x + 1) / v, std::pow(8.0, 1 / 127.0), 1e-9) << x;
    EXPECT_TRUE(v >= 40 && v <= 320);
  }
  const CcBinding down = knob("temperature", 5, 0.05, CcCurve::exponential);
  EXPECT_EQ(cc_binding_value(down, 0), 5.0);
  EXPECT_EQ(cc_binding_value(down, 127), 0.05);
  for (int x = 0; x <= 127; ++x) EXPECT_TRUE(limits::temperature.contains(cc_binding_value(down, x))) << x;
}

TEST(CcBindings, IntegerControlsRoundToNearest) {
  const CcBinding bars = knob("answer_bars", 1, 4);
  EXPECT_EQ(cc_binding_value(bars, 0), 1);
  EXPECT_EQ(cc_binding_value(bars, 21), 1);  // 1.496
  EXPECT_EQ(cc_binding_value(bars, 22), 2);  // 1.520
  EXPECT_EQ(cc_binding_value(bars, 64), 3);  // 2.512
  EXPECT_EQ(cc_binding_value(bars, 127), 4);
  const CcBinding velocity = knob("velocity", 0, 127);
  for (int x = 0; x <= 127; ++x) EXPECT_EQ(cc_binding_value(velocity, x), x);
  const CcBinding fine = knob("tempo", 100, 101);
  EXPECT_NE(cc_binding_value(fine, 64), std::round(cc_binding_value(fine, 64)));  // tempo is not rounded
}

TEST(CcBindings, TheTomlOfABindingLoadsBackToIt) {
  std::vector<CcBinding> all;
  for (const auto& c : cc_controls()) all.push_back(default_cc_binding(c.name, static_cast<int>(all.size()), -1));
  CcBinding custom = knob("tempo", 300, 60.25, CcCurve::exponential);
  custom.controller = 100;
  custom.channel = 9;
  all.push_back(custom);
  CcBinding odd = knob("temperature", 0.1, 1.0 / 3);
  odd.controller = 101;
  all.push_back(odd);
  std::string file;
  for (const auto& b : all) file += cc_binding_toml(b);
  const Loaded l = load(file);
  ASSERT_EQ(l.error, "") << file;
  EXPECT_EQ(l.settings.cc, all) << file;
  EXPECT_EQ(cc_binding_toml(default_cc_binding("temperature", 21, 0)),
            "[[cc]]\ncontroller = 21\nchannel = 1\ncontrol = \"temperature\"\nmin = 0.05\nmax = 5.0\n");
  EXPECT_EQ(cc_binding_toml(default_cc_binding("panic", 80, -1)), "[[cc]]\ncontroller = 80\ncontrol = \"panic\"\n");
  EXPECT_TRUE(has(cc_binding_toml(custom), "channel = 10\n"));
  EXPECT_TRUE(has(cc_binding_toml(custom), "curve = \"exponential\"\n"));
  EXPECT_THROW(default_cc_binding("volume", 1, -1), std::invalid_argument);
}

TEST(CcBindings, Overlaps) {
  CcBinding a = knob("tempo", 20, 400), b = knob("panic", 0, 0);
  b.min = b.max = 0;
  EXPECT_TRUE(cc_bindings_overlap(a, b));  // both on any channel
  a.channel = 0;
  EXPECT_TRUE(cc_bindings_overlap(a, b));
  b.channel = 1;
  EXPECT_FALSE(cc_bindings_overlap(a, b));
  b.channel = 0;
  b.controller = 2;
  EXPECT_FALSE(cc_bindings_overlap(a, b));
  EXPECT_EQ(first_cc_overlap({a, b}), std::nullopt);
  CcBinding c = a;
  c.channel = -1;
  EXPECT_EQ(first_cc_overlap({a, b, c}), (std::pair<std::size_t, std::size_t>{0, 2}));
  EXPECT_TRUE(a.matches(1, 0));
  EXPECT_FALSE(a.matches(1, 1));
  EXPECT_TRUE(c.matches(1, 15));
  EXPECT_FALSE(c.matches(2, 15));
}
