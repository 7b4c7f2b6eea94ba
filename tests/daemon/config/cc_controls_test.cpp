#include "daemon/config/cc_controls.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace clara::daemon;

TEST(CcControls, TheDocumentedControlsInOrder) {
  EXPECT_EQ(cc_control_names(),
            "temperature, random_freq, top_p, answer_bars, velocity, tempo, silence_beats, mode, start_stop, panic, "
            "reset");
  std::set<std::string_view> buttons;
  for (const auto& c : cc_controls())
    if (c.kind == CcControlKind::button) buttons.insert(c.name);
  EXPECT_EQ(buttons, (std::set<std::string_view>{"mode", "start_stop", "panic", "reset"}));
}

TEST(CcControls, KnobDefaultsLieInsideEachRangeAndCoverAClosedOne) {
  for (const auto& c : cc_controls()) {
    SCOPED_TRACE(std::string(c.name));
    EXPECT_EQ(find_cc_control(c.name), &c);
    EXPECT_FALSE(c.what.empty());
    if (c.kind == CcControlKind::button) {
      EXPECT_TRUE(c.setting.empty());
      continue;
    }
    EXPECT_FALSE(c.setting.empty());
    EXPECT_TRUE(c.valid.contains(c.knob_min));
    EXPECT_TRUE(c.valid.contains(c.knob_max));
    EXPECT_LT(c.knob_min, c.knob_max);
    EXPECT_EQ(c.knob_max, c.valid.hi);
    if (!c.valid.lo_open) {
      EXPECT_EQ(c.knob_min, c.valid.lo);
    }
  }
  EXPECT_EQ(find_cc_control("temperature")->valid.text(), limits::temperature.text());
  EXPECT_DOUBLE_EQ(find_cc_control("temperature")->knob_min, 0.05);
  EXPECT_DOUBLE_EQ(find_cc_control("top_p")->knob_min, 0.01);
  EXPECT_DOUBLE_EQ(find_cc_control("silence_beats")->knob_min, 0.25);
  EXPECT_TRUE(find_cc_control("answer_bars")->integer);
  EXPECT_TRUE(find_cc_control("velocity")->integer);
  EXPECT_FALSE(find_cc_control("tempo")->integer);
  EXPECT_EQ(find_cc_control("volume"), nullptr);
  EXPECT_EQ(find_cc_control(""), nullptr);
}
