// The CC map's rules, with time given by hand: what is consumed, when a button counts as
// pressed, when a knob's move is an action, and learn mode.
#include "daemon/control/cc_map.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

using namespace clara;
using namespace clara::daemon;

namespace {

constexpr std::int64_t kMs = 1'000'000;

ShortMessage cc(int channel, int controller, int value) {
  return {static_cast<std::uint8_t>(0xB0 | channel), static_cast<std::uint8_t>(controller),
          static_cast<std::uint8_t>(value)};
}

CcBinding binding(int controller, int channel, const std::string& control) {
  return default_cc_binding(control, controller, channel);
}

// What handle() said, in one value for EXPECT_EQ.
struct Result {
  bool consumed;
  std::optional<CcAction> action;
};
Result handle(CcMap& map, const ShortMessage& m, std::int64_t t = 0) {
  Result r{false, CcPress{"stale"}};  // handle() must reset it
  r.consumed = map.handle(m, t, r.action);
  return r;
}

std::optional<double> set_value(const Result& r, const std::string& control) {
  if (!r.action) return std::nullopt;
  const auto* s = std::get_if<CcSet>(&*r.action);
  if (!s) return std::nullopt;
  EXPECT_EQ(s->control, control);
  return s->value;
}

bool pressed(const Result& r, const std::string& control) {
  if (!r.action) return false;
  const auto* p = std::get_if<CcPress>(&*r.action);
  return p && p->control == control;
}

}  // namespace

TEST(CcMap, UnmappedControllersAndOtherMessagesPassThrough) {
  CcMap map({binding(7, 0, "tempo")});
  for (const ShortMessage& m : {ShortMessage{0x90, 60, 100}, ShortMessage{0x80, 60, 0}, ShortMessage{0xE0, 0, 64},
                                ShortMessage{0xC0, 7, 0}, ShortMessage{0xA0, 7, 10}, ShortMessage{0xD0, 7, 0},
                                cc(0, 8, 10), cc(1, 7, 10), cc(0, 64, 127), cc(0, 123, 0)}) {
    const Result r = handle(map, m);
    EXPECT_FALSE(r.consumed) << int(m.status) << " " << int(m.data1);
    EXPECT_FALSE(r.action.has_value());
  }
  EXPECT_TRUE(handle(map, cc(0, 7, 10)).consumed);
  CcMap none;
  EXPECT_FALSE(handle(none, cc(0, 7, 10)).consumed);
  EXPECT_TRUE(none.bindings().empty());
}

TEST(CcMap, AnyChannelBindingTakesEveryChannel) {
  CcMap map({binding(7, -1, "velocity")});
  for (int ch = 0; ch < 16; ++ch) EXPECT_TRUE(handle(map, cc(ch, 7, ch)).consumed) << ch;
}

TEST(CcMap, AKnobSetsItsMappedValueAndNotTheSameTwiceInARow) {
  CcBinding t = binding(21, 0, "temperature");
  CcMap map({t});
  Result r = handle(map, cc(0, 21, 0));
  EXPECT_TRUE(r.consumed);
  EXPECT_EQ(set_value(r, "temperature"), 0.05);
  r = handle(map, cc(0, 21, 0));  // the same value again: consumed, no action
  EXPECT_TRUE(r.consumed);
  EXPECT_FALSE(r.action.has_value());
  EXPECT_EQ(set_value(handle(map, cc(0, 21, 127)), "temperature"), 5.0);
  EXPECT_EQ(set_value(handle(map, cc(0, 21, 64)), "temperature"), cc_binding_value(t, 64));
  EXPECT_EQ(set_value(handle(map, cc(0, 21, 0)), "temperature"), 0.05);  // back: a change again
}

TEST(CcMap, StepsThatRoundToTheSameIntegerSendOneAction) {
  CcBinding bars = binding(22, 0, "answer_bars");
  bars.min = 1;
  bars.max = 4;
  CcMap map({bars});
  int actions = 0;
  double last = 0;
  for (int x = 0; x <= 127; ++x) {
    const Result r = handle(map, cc(0, 22, x));
    EXPECT_TRUE(r.consumed);
    if (const auto v = set_value(r, "answer_bars")) {
      ++actions;
      EXPECT_EQ(*v, std::round(*v));
      EXPECT_GT(*v, last);
      last = *v;
    }
  }
  EXPECT_EQ(actions, 4);  // 1, 2, 3, 4
  EXPECT_EQ(last, 4);
}

TEST(CcMap, ExponentialAndReversedRangesAreTheBindingsOwn) {
  CcBinding tempo = binding(1, 0, "tempo");
  tempo.min = 200;
  tempo.max = 50;
  tempo.curve = CcCurve::exponential;
  CcMap map({tempo});
  EXPECT_EQ(set_value(handle(map, cc(0, 1, 0)), "tempo"), 200.0);
  EXPECT_NEAR(*set_value(handle(map, cc(0, 1, 64)), "tempo"), 200 * std::pow(0.25, 64 / 127.0), 1e-9);
  EXPECT_EQ(set_value(handle(map, cc(0, 1, 127)), "tempo"), 50.0);
}

TEST(CcMap, AButtonPressesOnAValueFrom64AfterOneBelow64) {
  CcMap map({binding(80, 0, "panic")});
  Result r = handle(map, cc(0, 80, 127), 0);  // the first value ever counts
  EXPECT_TRUE(r.consumed);
  EXPECT_TRUE(pressed(r, "panic"));
  r = handle(map, cc(0, 80, 0), 10 * kMs);  // release: consumed, nothing
  EXPECT_TRUE(r.consumed);
  EXPECT_FALSE(r.action.has_value());
  EXPECT_TRUE(pressed(handle(map, cc(0, 80, 64), 20 * kMs), "panic"));  // 64 is pressed; soon after a release
  r = handle(map, cc(0, 80, 100), 30 * kMs);                            // still held: no press
  EXPECT_TRUE(r.consumed);
  EXPECT_FALSE(r.action.has_value());
  EXPECT_FALSE(handle(map, cc(0, 80, 63), 40 * kMs).action.has_value());
  EXPECT_TRUE(pressed(handle(map, cc(0, 80, 127), 50 * kMs), "panic"));
}

TEST(CcMap, AButtonWithoutReleaseCountsAgainAfter300Ms) {
  CcMap map({binding(81, -1, "mode")});
  EXPECT_TRUE(pressed(handle(map, cc(3, 81, 127), 1000 * kMs), "mode"));
  EXPECT_FALSE(handle(map, cc(3, 81, 127), 1299 * kMs).action.has_value());  // a repeat, too soon
  EXPECT_TRUE(pressed(handle(map, cc(3, 81, 127), 1300 * kMs), "mode"));     // 300 ms after the last press
  EXPECT_FALSE(handle(map, cc(3, 81, 127), 1500 * kMs).action.has_value());
  EXPECT_TRUE(pressed(handle(map, cc(3, 81, 127), 1600 * kMs), "mode"));
  // Another channel is another button: its own state.
  EXPECT_TRUE(pressed(handle(map, cc(4, 81, 127), 1601 * kMs), "mode"));
}

TEST(CcMap, EveryButtonReportsItsOwnName) {
  CcMap map({binding(1, 0, "mode"), binding(2, 0, "start_stop"), binding(3, 0, "panic"), binding(4, 0, "reset")});
  for (const auto& [controller, name] : {std::pair{1, "mode"}, {2, "start_stop"}, {3, "panic"}, {4, "reset"}})
    EXPECT_TRUE(pressed(handle(map, cc(0, controller, 127)), name)) << name;
}

TEST(CcMap, RefusesBindingsThatAreNotValid) {
  EXPECT_THROW(CcMap({binding(7, 0, "tempo"), binding(7, -1, "panic")}), std::invalid_argument);
  CcBinding bad = binding(7, 0, "tempo");
  bad.min = 1;
  EXPECT_THROW(CcMap({bad}), std::invalid_argument);
  bad = binding(7, 0, "tempo");
  bad.control = "volume";
  EXPECT_THROW(CcMap({bad}), std::invalid_argument);
}

TEST(CcMap, LearnBindsTheNextUnboundControllerWithTheDefaultRange) {
  CcMap map({binding(7, 0, "tempo")});
  EXPECT_EQ(map.learning(), std::nullopt);
  map.learn("temperature");
  EXPECT_EQ(map.learning(), std::optional<std::string>("temperature"));
  // Not learned: other messages, a bound controller (it acts as bound), channel-mode messages.
  EXPECT_FALSE(handle(map, ShortMessage{0x90, 60, 100}).consumed);
  EXPECT_TRUE(set_value(handle(map, cc(0, 7, 127)), "tempo").has_value());
  Result r = handle(map, cc(2, 121, 0));
  EXPECT_FALSE(r.consumed);
  EXPECT_FALSE(r.action.has_value());
  EXPECT_EQ(map.learning(), std::optional<std::string>("temperature"));

  r = handle(map, cc(2, 21, 90), 5 * kMs);
  EXPECT_TRUE(r.consumed);
  ASSERT_TRUE(r.action.has_value());
  const auto* learned = std::get_if<CcLearned>(&*r.action);
  ASSERT_NE(learned, nullptr);
  EXPECT_EQ(learned->binding, binding(21, 2, "temperature"));
  EXPECT_EQ(learned->toml, "[[cc]]\ncontroller = 21\nchannel = 3\ncontrol = \"temperature\"\nmin = 0.05\nmax = 5.0\n");
  EXPECT_EQ(map.learning(), std::nullopt);
  EXPECT_EQ(map.bindings(), (std::vector<CcBinding>{binding(7, 0, "tempo"), binding(21, 2, "temperature")}));
  // From now on it is a bound knob, on that channel only.
  EXPECT_EQ(set_value(handle(map, cc(2, 21, 127)), "temperature"), 5.0);
  EXPECT_FALSE(handle(map, cc(3, 21, 127)).consumed);
}

TEST(CcMap, LearningAControlAgainReplacesItsBinding) {
  CcMap map({binding(7, 0, "tempo"), binding(8, 0, "panic")});
  map.learn("tempo");
  const Result r = handle(map, cc(0, 9, 10));
  ASSERT_TRUE(r.action && std::holds_alternative<CcLearned>(*r.action));
  EXPECT_EQ(map.bindings(), (std::vector<CcBinding>{binding(8, 0, "panic"), binding(9, 0, "tempo")}));
  EXPECT_FALSE(handle(map, cc(0, 7, 10)).consumed);  // the old controller is free again
  EXPECT_EQ(set_value(handle(map, cc(0, 9, 127)), "tempo"), 400.0);
}

TEST(CcMap, ALearnedButtonDoesNotPressOnTheMessageThatTaughtIt) {
  CcMap map;
  map.learn("start_stop");
  Result r = handle(map, cc(0, 85, 127), 0);
  ASSERT_TRUE(r.action && std::holds_alternative<CcLearned>(*r.action));
  EXPECT_EQ(std::get<CcLearned>(*r.action).toml, "[[cc]]\ncontroller = 85\nchannel = 1\ncontrol = \"start_stop\"\n");
  EXPECT_FALSE(handle(map, cc(0, 85, 127), 100 * kMs).action.has_value());  // its repeat
  EXPECT_FALSE(handle(map, cc(0, 85, 0), 150 * kMs).action.has_value());
  EXPECT_TRUE(pressed(handle(map, cc(0, 85, 127), 200 * kMs), "start_stop"));
}

TEST(CcMap, LearnTakesKnownControlsAndCanBeCancelled) {
  CcMap map;
  try {
    map.learn("volume");
    ADD_FAILURE();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("temperature, random_freq, top_p"), std::string::npos) << e.what();
  }
  EXPECT_EQ(map.learning(), std::nullopt);
  map.learn("panic");
  map.learn("reset");  // re-arms for the new one
  EXPECT_EQ(map.learning(), std::optional<std::string>("reset"));
  map.cancel_learn();
  EXPECT_EQ(map.learning(), std::nullopt);
  EXPECT_FALSE(handle(map, cc(0, 20, 127)).consumed);
  EXPECT_TRUE(map.bindings().empty());
}

TEST(CcMap, ModeButtonCyclesAnswerAccompanySoloListen) {
  EXPECT_EQ(next_duet_mode(DuetMode::answer), DuetMode::accompany);
  EXPECT_EQ(next_duet_mode(DuetMode::accompany), DuetMode::solo);
  EXPECT_EQ(next_duet_mode(DuetMode::solo), DuetMode::listen);
  EXPECT_EQ(next_duet_mode(DuetMode::listen), DuetMode::answer);
}
