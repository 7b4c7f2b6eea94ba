#include "daemon/control/control_plane.hpp"

#include <gtest/gtest.h>

#include "tests/daemon/control/control_test_support.hpp"

namespace clara::daemon {
namespace {

using testing::chamber_state;
using testing::RecordingSink;

TEST(ControlPlane, EachKnobMovesItsSetting) {
  RecordingSink sink;
  ControlHub hub(sink, chamber_state());
  EXPECT_FALSE(apply_cc(hub, CcSet{"temperature", 0.7}));
  EXPECT_FALSE(apply_cc(hub, CcSet{"random_freq", 0.2}));
  EXPECT_FALSE(apply_cc(hub, CcSet{"top_p", 0.6}));
  EXPECT_FALSE(apply_cc(hub, CcSet{"answer_bars", 3.0}));
  EXPECT_FALSE(apply_cc(hub, CcSet{"velocity", 99.0}));
  EXPECT_FALSE(apply_cc(hub, CcSet{"tempo", 133.0}));
  EXPECT_FALSE(apply_cc(hub, CcSet{"silence_beats", 2.5}));
  const ControlState s = hub.state();
  EXPECT_DOUBLE_EQ(s.sampler.temperature, 0.7);
  EXPECT_DOUBLE_EQ(s.sampler.random_freq, 0.2);
  EXPECT_DOUBLE_EQ(s.sampler.top_p, 0.6);
  EXPECT_EQ(s.phrasing.answer_bars, 3);
  EXPECT_EQ(s.velocity, 99);
  EXPECT_DOUBLE_EQ(s.bpm, 133);
  EXPECT_DOUBLE_EQ(s.phrasing.answer_silence_beats, 2.5);
  EXPECT_EQ(sink.commands.size(), 7u);
}

TEST(ControlPlane, ButtonsCycleTheModeToggleStopAndAct) {
  RecordingSink sink;
  ControlHub hub(sink, chamber_state());
  const DuetMode cycle[] = {DuetMode::accompany, DuetMode::solo, DuetMode::listen, DuetMode::answer};
  for (DuetMode expected : cycle) {
    EXPECT_FALSE(apply_cc(hub, CcPress{"mode"}));
    EXPECT_EQ(hub.state().mode, expected);
  }
  EXPECT_FALSE(apply_cc(hub, CcPress{"start_stop"}));
  EXPECT_FALSE(hub.state().playing);
  EXPECT_TRUE(std::holds_alternative<StopPlaying>(sink.commands.back()));
  EXPECT_FALSE(apply_cc(hub, CcPress{"start_stop"}));
  EXPECT_TRUE(hub.state().playing);
  EXPECT_FALSE(apply_cc(hub, CcPress{"panic"}));
  EXPECT_TRUE(std::holds_alternative<Panic>(sink.commands.back()));
  EXPECT_FALSE(apply_cc(hub, CcPress{"reset"}));
  EXPECT_TRUE(std::holds_alternative<ResetContext>(sink.commands.back()));
}

TEST(ControlPlane, TheInitialStateIsTheSettings) {
  DaemonSettings settings;
  settings.duet.mode = DuetMode::accompany;
  settings.duet.bpm = 87;
  settings.duet.beats_per_bar = 3;
  settings.duet.fixed_velocity = 64;
  const auto spec = EncodingSpec::defaults(Encoding::chamber);
  const ControlState s = initial_control_state(settings, "chamber", spec, "jack");
  EXPECT_EQ(s.mode, DuetMode::accompany);
  EXPECT_DOUBLE_EQ(s.bpm, 87);
  EXPECT_EQ(s.meter_numerator, 3);
  EXPECT_EQ(s.phrasing.beats_per_bar, 3);
  EXPECT_EQ(s.velocity, 64);
  EXPECT_EQ(s.encoding, "chamber");
  ASSERT_EQ(s.instruments.size(), 2u);
  EXPECT_EQ(s.instrument_names[0], "Violin");
  EXPECT_EQ(state_value(s, "meter"), std::optional<osc::Value>(std::string("3/4")));
  EXPECT_EQ(state_value(s, "solo_ranking"), std::optional<osc::Value>(std::string("off")));
  settings.solo.candidates = 4;
  settings.solo.critic = "critic-b";
  EXPECT_EQ(state_value(initial_control_state(settings, "chamber", spec, "jack"), "solo_ranking"),
            std::optional<osc::Value>(std::string("best of 4 by critic-b")));
}

TEST(ControlPlane, TheServerSettingsFollowTheConfig) {
  ControlSettings c;
  c.bind = {"127.0.0.1"};
  c.udp_port = 9100;
  c.tcp_port = 0;
  c.framing = OscFraming::slip;
  c.max_subscribers = 3;
  const OscServerConfig o = osc_server_config(c);
  EXPECT_EQ(o.bind, c.bind);
  EXPECT_EQ(o.udp_port, 9100);
  EXPECT_EQ(o.tcp_port, 0);
  EXPECT_EQ(o.framing, osc::Framing::slip);
  EXPECT_EQ(o.max_subscribers, 3);
}

}  // namespace
}  // namespace clara::daemon
