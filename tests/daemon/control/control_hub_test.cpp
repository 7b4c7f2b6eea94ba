#include "daemon/control/control_hub.hpp"

#include <gtest/gtest.h>

#include "tests/daemon/control/control_test_support.hpp"

namespace clara::daemon {
namespace {

using testing::chamber_state;
using testing::RecordingSink;

TEST(ControlHub, EachEditBecomesTheOneCommandThatMakesTheEngineMatch) {
  RecordingSink sink;
  ControlHub hub(sink, chamber_state());
  const auto v0 = hub.version();
  EXPECT_FALSE(hub.edit([](ControlState& s) { s.sampler.temperature = 0.7; }));
  ASSERT_EQ(sink.commands.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<SetSampler>(sink.commands[0]));
  EXPECT_DOUBLE_EQ(std::get<SetSampler>(sink.commands[0]).sampler.temperature, 0.7);
  EXPECT_GT(hub.version(), v0);
  EXPECT_DOUBLE_EQ(hub.state().sampler.temperature, 0.7);

  EXPECT_FALSE(hub.edit([](ControlState& s) { s.bpm = 90; }));
  EXPECT_TRUE(std::holds_alternative<SetTempo>(sink.commands.back()));
  EXPECT_FALSE(hub.edit([](ControlState& s) { s.phrasing.answer_bars = 4; }));
  EXPECT_EQ(std::get<SetPhrasing>(sink.commands.back()).phrasing.answer_bars, 4);
  EXPECT_FALSE(hub.edit([](ControlState& s) { s.velocity = 90; }));
  EXPECT_EQ(std::get<SetVelocity>(sink.commands.back()).velocity, 90);
  EXPECT_FALSE(hub.edit([](ControlState& s) { s.clara_instrument = "v", s.human_instrument = "p"; }));
  EXPECT_EQ(std::get<SetInstruments>(sink.commands.back()).clara, "v");
  EXPECT_FALSE(hub.edit([](ControlState& s) { s.routes[0].channel = 5; }));
  EXPECT_EQ(std::get<SetRoute>(sink.commands.back()).channel, 5);
  EXPECT_FALSE(hub.edit([](ControlState& s) { s.mode = DuetMode::solo; }));
  EXPECT_EQ(std::get<SetMode>(sink.commands.back()).mode, DuetMode::solo);
  EXPECT_EQ(sink.commands.size(), 7u);
  // An edit that changes nothing sends nothing and bumps nothing.
  const auto v = hub.version();
  EXPECT_FALSE(hub.edit([](ControlState&) {}));
  EXPECT_EQ(sink.commands.size(), 7u);
  EXPECT_EQ(hub.version(), v);
}

TEST(ControlHub, ARefusedEditChangesNothing) {
  RecordingSink sink;
  ControlHub hub(sink, chamber_state());
  const auto before = hub.state();
  const auto v = hub.version();
  auto why = hub.edit([](ControlState& s) { s.sampler.temperature = 50; });
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("temperature"), std::string::npos) << *why;
  why = hub.edit([](ControlState& s) { s.clara_instrument = "zz"; });
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("'zz'"), std::string::npos) << *why;
  EXPECT_TRUE(sink.commands.empty());
  EXPECT_EQ(hub.version(), v);
  EXPECT_EQ(status_values(hub.state()), status_values(before));
}

TEST(ControlHub, AnEditOfTwoThingsIsAcceptedWholeOrNotAtAll) {
  RecordingSink sink;
  ControlHub hub(sink, chamber_state());
  // A good tempo with a bad velocity: neither reaches the engine.
  EXPECT_TRUE(hub.edit([](ControlState& s) { s.bpm = 100, s.velocity = 300; }));
  EXPECT_TRUE(sink.commands.empty());
  EXPECT_DOUBLE_EQ(hub.state().bpm, 120);
}

TEST(ControlHub, StopStartAndAModeChosenWhileStopped) {
  RecordingSink sink;
  ControlHub hub(sink, chamber_state());
  EXPECT_FALSE(hub.edit([](ControlState& s) { s.playing = false; }));
  EXPECT_TRUE(std::holds_alternative<StopPlaying>(sink.commands.back()));
  EXPECT_FALSE(hub.state().playing);
  EXPECT_FALSE(hub.edit([](ControlState& s) { s.mode = DuetMode::accompany; }));
  EXPECT_TRUE(std::holds_alternative<SetMode>(sink.commands.back()));
  EXPECT_TRUE(hub.state().playing);  // the engine's SetMode plays again
  EXPECT_FALSE(hub.edit([](ControlState& s) { s.playing = false; }));
  EXPECT_FALSE(hub.edit([](ControlState& s) { s.playing = true; }));
  EXPECT_TRUE(std::holds_alternative<StartPlaying>(sink.commands.back()));
}

TEST(ControlHub, ATimedModeChangeWaitsForTheBarLineAndOtherTimedOnesDoNot) {
  RecordingSink sink;
  ControlHub hub(sink, chamber_state());
  EXPECT_FALSE(hub.edit([](ControlState& s) { s.mode = DuetMode::listen; }, 5'000));
  EXPECT_EQ(sink.dues.back(), 5'000);
  EXPECT_TRUE(sink.bars.back());
  EXPECT_FALSE(hub.edit([](ControlState& s) { s.bpm = 80; }, 6'000));
  EXPECT_EQ(sink.dues.back(), 6'000);
  EXPECT_FALSE(sink.bars.back());
  EXPECT_FALSE(hub.edit([](ControlState& s) { s.mode = DuetMode::answer; }));
  EXPECT_FALSE(sink.bars.back());  // now means now
  EXPECT_FALSE(hub.act(Panic{}));
  EXPECT_TRUE(std::holds_alternative<Panic>(sink.commands.back()));
}

TEST(ControlState, ChangedValuesNameOnlyWhatChanged) {
  ControlState a = chamber_state(), b = a;
  b.sampler.top_p = 0.5;
  b.phrasing.answer_bars = 3;
  const auto changes = changed_values(a, b);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].first, "answer_bars");
  EXPECT_EQ(changes[1].first, "top_p");
  EXPECT_TRUE(changed_values(a, a).empty());
  EXPECT_EQ(state_value(b, "answer_bars"), std::optional<osc::Value>(std::int32_t{3}));
  EXPECT_FALSE(state_value(b, "nonsense"));
}

}  // namespace
}  // namespace clara::daemon
