#include "daemon/control/osc_address_space.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>

#include "tests/daemon/control/control_test_support.hpp"

namespace clara::daemon {
namespace {

using osc::make_message;
using osc::Message;
using osc::Value;
using testing::chamber_state;
using testing::RecordingSink;

struct Fixture {
  RecordingSink sink;
  ControlHub hub;
  OscAddressSpace space;
  explicit Fixture(ControlHooks hooks = {}) : hub(sink, chamber_state(), std::move(hooks)), space(hub) {}
  Message one(const std::string& address, std::vector<Value> args = {}) {
    OscOutcome out = space.handle(make_message(address, std::move(args)));
    EXPECT_EQ(out.replies.size(), 1u) << address;
    return out.replies.empty() ? Message{} : out.replies[0];
  }
};

void expect_ok(const Message& r, const std::string& address) {
  EXPECT_EQ(r.address, "/clara/ok") << osc::to_text(r);
  ASSERT_EQ(r.arguments.size(), 1u);
  EXPECT_EQ(std::get<std::string>(r.arguments[0]), address);
}

std::string expect_error(const Message& r, const std::string& address) {
  EXPECT_EQ(r.address, "/clara/error") << osc::to_text(r);
  if (r.arguments.size() != 2) return {};
  EXPECT_EQ(std::get<std::string>(r.arguments[0]), address);
  return std::get<std::string>(r.arguments[1]);
}

TEST(OscAddressSpace, EverySettingAddressChangesItsSettingAndReportsIt) {
  Fixture f;
  struct Case {
    std::string address;
    std::vector<Value> args;
    std::string key;
    Value expected;
  };
  const std::vector<Case> cases = {
      {"/clara/temperature", {0.5f}, "temperature", 0.5f},
      {"/clara/temperature", {std::int32_t{2}}, "temperature", 2.0f},  // an int where a float goes
      {"/clara/top_k", {std::int32_t{7}}, "top_k", std::int32_t{7}},
      {"/clara/top_k", {8.0f}, "top_k", std::int32_t{8}},  // Pure Data sends every number as a float
      {"/clara/top_p", {0.8f}, "top_p", 0.8f},
      {"/clara/random_freq", {0.25}, "random_freq", 0.25f},
      {"/clara/key_keeping", {2.5f}, "key_keeping", 2.5f},
      {"/clara/key_keeping", {std::int32_t{0}}, "key_keeping", 0.0f},  // off
      {"/clara/policy", {std::string("top-p")}, "policy", std::string("top-p")},
      {"/clara/seed", {std::int64_t{1234567890123}}, "seed", std::int64_t{1234567890123}},
      {"/clara/mode", {std::string("accompany")}, "mode", std::string("accompany")},
      {"/clara/tempo", {96.5f}, "tempo", 96.5f},
      {"/clara/meter", {std::int32_t{6}, std::int32_t{8}}, "meter", std::string("6/8")},
      {"/clara/answer_bars", {std::int32_t{4}}, "answer_bars", std::int32_t{4}},
      {"/clara/silence_beats", {1.5f}, "silence_beats", 1.5f},
      {"/clara/instrument", {std::string("clara"), std::string("violin")}, "clara_instrument", std::string("v")},
      {"/clara/instrument", {std::string("human"), std::string("p")}, "human_instrument", std::string("p")},
      {"/clara/velocity", {std::int32_t{100}}, "velocity", std::int32_t{100}},
      {"/clara/route", {std::string("p"), std::int32_t{3}, std::int32_t{40}}, "routes", std::string("p:3:40")},
      {"/clara/stop", {}, "playing", false},
      {"/clara/start", {}, "playing", true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.address);
    expect_ok(f.one(c.address, c.args), c.address);
    const Message v = f.one("/clara/get", {c.key});
    EXPECT_EQ(v.address, "/clara/value");
    ASSERT_EQ(v.arguments.size(), 2u);
    if (c.key == "routes") {
      EXPECT_NE(std::get<std::string>(v.arguments[1]).find(std::get<std::string>(c.expected)), std::string::npos);
    } else {
      EXPECT_EQ(v.arguments[1], c.expected) << osc::to_text(v);
    }
  }
  // 6/8 is three quarter notes a bar.
  EXPECT_EQ(f.hub.state().phrasing.beats_per_bar, 3);
  // A float32 0.5 or 96.5 is exact; 0.8 is not, and the engine gets the decimal the sender meant.
  expect_ok(f.one("/clara/temperature", {0.8f}), "/clara/temperature");
  EXPECT_EQ(f.hub.state().sampler.temperature, 0.8);
  EXPECT_GE(f.sink.commands.size(), cases.size());
}

TEST(OscAddressSpace, BadArgumentsAreRefusedWithAReasonAndChangeNothing) {
  Fixture f;
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  struct Case {
    std::string address;
    std::vector<Value> args;
    std::string reason;  // a part of the reason
  };
  const std::vector<Case> cases = {
      {"/clara/temperature", {}, "expected 1 argument (f), got 0"},
      {"/clara/temperature", {0.5f, 0.5f}, "expected 1 argument (f), got 2"},
      {"/clara/temperature", {std::string("hot")}, "argument 1 must be a number, not a string"},
      {"/clara/temperature", {nan}, "temperature must be a finite number, not nan"},
      {"/clara/temperature", {inf}, "temperature must be a finite number, not inf"},
      {"/clara/temperature", {-inf}, "temperature must be a finite number, not -inf"},
      {"/clara/temperature", {9.0f}, "temperature 9 is outside [0.05, 5]"},
      {"/clara/temperature", {true}, "argument 1 must be a number, not a boolean"},
      {"/clara/top_k", {0.0f}, "top_k 0 is outside 1..1e+06"},
      {"/clara/top_k", {2.5f}, "top_k must be a whole number, not 2.5"},
      {"/clara/top_p", {0.0f}, "top_p 0 is outside (0, 1]"},
      {"/clara/top_p", {1.5f}, "top_p 1.5 is outside (0, 1]"},
      {"/clara/random_freq", {-0.1f}, "random_freq -0.1 is outside [0, 1]"},
      {"/clara/key_keeping", {-0.5f}, "key_keeping -0.5 is outside [0, 16]"},
      {"/clara/key_keeping", {17.0f}, "key_keeping 17 is outside [0, 16]"},
      {"/clara/key_keeping", {nan}, "key_keeping must be a finite number"},
      {"/clara/policy", {std::string("greedy")}, "policy 'greedy' is not seed, temperature, top-k or top-p"},
      {"/clara/seed", {-1.0f}, "seed -1 is outside"},
      {"/clara/mode", {std::string("jam")}, "mode 'jam' is not answer, accompany, solo or listen"},
      {"/clara/mode", {std::int32_t{1}}, "argument 1 must be a string, not an int32"},
      {"/clara/tempo", {10.0f}, "tempo 10 is outside [20, 400]"},
      {"/clara/tempo", {nan}, "tempo must be a finite number"},
      {"/clara/meter", {std::int32_t{4}}, "expected 2 arguments (ii), got 1"},
      {"/clara/meter", {std::int32_t{4}, std::int32_t{3}}, "meter denominator 3 is not 1, 2, 4, 8 or 16"},
      {"/clara/meter", {std::int32_t{7}, std::int32_t{8}}, "meter 7/8 is not a whole number of quarter notes"},
      {"/clara/meter", {std::int32_t{0}, std::int32_t{4}}, "meter numerator 0 is outside 1..64"},
      {"/clara/answer_bars", {std::int32_t{65}}, "answer_bars 65 is outside 1..64"},
      {"/clara/silence_beats", {0.0f}, "silence_beats 0 is outside (0, 64]"},
      {"/clara/instrument", {std::string("drummer"), std::string("p")}, "'drummer' is not human or clara"},
      {"/clara/instrument", {std::string("clara"), std::string("tuba")}, "instrument 'tuba' is not in the model's part table (v (Violin), p (Piano))"},
      {"/clara/route", {std::string("p"), std::int32_t{17}, std::int32_t{0}}, "channel 17 is outside 1..16"},
      {"/clara/route", {std::string("p"), std::int32_t{1}, std::int32_t{128}}, "program 128 is outside -1..127"},
      {"/clara/velocity", {std::int32_t{128}}, "velocity 128 is outside 0..127"},
      {"/clara/model", {std::string("../etc/passwd")}, "is not a name (1-64 letters, digits, '-' or '_'; never a path)"},
      {"/clara/model", {std::string("")}, "is not a name"},
      {"/clara/get", {std::string("colour")}, "no setting 'colour'"},
      {"/clara/panic", {std::int32_t{1}}, "expected 0 arguments (none), got 1"},
      {"/clara/nonsense", {}, "no such address"},
  };
  const auto before = status_values(f.hub.state());
  std::set<std::string> reasons;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.address + " " + c.reason);
    const std::string why = expect_error(f.one(c.address, c.args), c.address);
    EXPECT_NE(why.find(c.reason), std::string::npos) << why;
    reasons.insert(why);
  }
  EXPECT_EQ(reasons.size(), cases.size()) << "every refusal says its own reason";
  EXPECT_TRUE(f.sink.commands.empty()) << "nothing refused reaches the engine";
  EXPECT_EQ(status_values(f.hub.state()), before);
}

TEST(OscAddressSpace, StatusListModelsMetricsAndLearn) {
  std::string learned;
  ControlHooks hooks;
  hooks.models = [] { return std::vector<ModelInfo>{{"notewise-piano", "notewise", "p", 1.5}, {"chamber", "chamber", "v p", -1}}; };
  hooks.metrics = [] { return KeyValues{{"late_events", std::int32_t{0}}, {"uptime_s", 1.5f}}; };
  hooks.ranking = [] { return KeyValues{{"phrases_ranked", std::int64_t{3}}, {"last_phrase_human", 0.5f}}; };
  hooks.learn = [&](const std::string& c) -> std::optional<std::string> {
    if (c != "temperature") return "no control '" + c + "'";
    learned = c;
    return std::nullopt;
  };
  hooks.select_model = [](const std::string& name, std::int64_t) -> std::optional<std::string> {
    return "no model '" + name + "'";
  };
  Fixture f(hooks);
  const Message status = f.one("/clara/status");
  EXPECT_EQ(status.address, "/clara/status");
  const auto values = status_values(f.hub.state());
  ASSERT_EQ(status.arguments.size(), 2 * values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(std::get<std::string>(status.arguments[2 * i]), values[i].first);
    EXPECT_EQ(status.arguments[2 * i + 1], values[i].second);
  }
  EXPECT_EQ(status.types.size(), status.arguments.size());

  const Message list = f.one("/clara/list");
  ASSERT_EQ(list.arguments.size(), 2 * osc_addresses().size());
  std::set<std::string> listed;
  for (std::size_t i = 0; i < list.arguments.size(); i += 2) listed.insert(std::get<std::string>(list.arguments[i]));
  for (const char* a : {"/clara/model", "/clara/models", "/clara/temperature", "/clara/top_k", "/clara/top_p",
                        "/clara/random_freq", "/clara/key_keeping", "/clara/policy", "/clara/seed", "/clara/mode", "/clara/tempo",
                        "/clara/meter", "/clara/answer_bars", "/clara/silence_beats", "/clara/start", "/clara/stop",
                        "/clara/panic", "/clara/reset", "/clara/instrument", "/clara/route", "/clara/velocity",
                        "/clara/get", "/clara/status", "/clara/subscribe", "/clara/unsubscribe", "/clara/metrics",
                        "/clara/list", "/clara/learn", "/clara/auth", "/clara/ranking"})
    EXPECT_TRUE(listed.count(a)) << a;

  const Message models = f.one("/clara/models");
  EXPECT_EQ(models.types, "sssfsssf");
  EXPECT_EQ(std::get<std::string>(models.arguments[4]), "chamber");
  const Message metrics = f.one("/clara/metrics");
  EXPECT_EQ(metrics.types, "sisf");
  const Message ranking = f.one("/clara/ranking");
  EXPECT_EQ(ranking.types, "shsf");
  EXPECT_EQ(std::get<std::string>(ranking.arguments[0]), "phrases_ranked");
  expect_ok(f.one("/clara/learn", {std::string("temperature")}), "/clara/learn");
  EXPECT_EQ(learned, "temperature");
  EXPECT_NE(expect_error(f.one("/clara/learn", {std::string("colour")}), "/clara/learn").find("no control"),
            std::string::npos);
  EXPECT_EQ(expect_error(f.one("/clara/model", {std::string("missing")}), "/clara/model"), "no model 'missing'");
  expect_ok(f.one("/clara/panic"), "/clara/panic");
  expect_ok(f.one("/clara/reset"), "/clara/reset");
  ASSERT_EQ(f.sink.commands.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<Panic>(f.sink.commands[0]));
  EXPECT_TRUE(std::holds_alternative<ResetContext>(f.sink.commands[1]));
}

TEST(OscAddressSpace, SubscribeAndUnsubscribeAreToldToTheServer) {
  Fixture f;
  auto out = f.space.handle(make_message("/clara/subscribe", {}));
  EXPECT_EQ(out.subscription, OscOutcome::Subscription::subscribe);
  out = f.space.handle(make_message("/clara/unsubscribe", {}));
  EXPECT_EQ(out.subscription, OscOutcome::Subscription::unsubscribe);
  out = f.space.handle(make_message("/clara/subscribe", {std::int32_t{9001}}));
  EXPECT_EQ(out.subscription, OscOutcome::Subscription::subscribe);
  EXPECT_EQ(out.push_port, 9001);
  out = f.space.handle(make_message("/clara/subscribe", {std::int32_t{0}}));
  EXPECT_EQ(out.subscription, OscOutcome::Subscription::none);
  out = f.space.handle(make_message("/clara/subscribe", {std::string("x")}));
  EXPECT_EQ(out.subscription, OscOutcome::Subscription::none);
  out = f.space.handle(make_message("/clara/subscribe", {std::int32_t{1}, std::int32_t{2}}));
  EXPECT_EQ(out.subscription, OscOutcome::Subscription::none);
}

}  // namespace
}  // namespace clara::daemon
