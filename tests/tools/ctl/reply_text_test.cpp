#include "tools/ctl/reply_text.hpp"

#include <gtest/gtest.h>

namespace clara::ctl {
namespace {

using S = std::string;

TEST(ValueText, ShortestFloatsBooleansBlobs) {
  EXPECT_EQ(value_text(0.8f), "0.8");
  EXPECT_EQ(value_text(120.0f), "120");
  EXPECT_EQ(value_text(0.1), "0.1");
  EXPECT_EQ(value_text(std::int32_t{-3}), "-3");
  EXPECT_EQ(value_text(std::int64_t{1} << 40), "1099511627776");
  EXPECT_EQ(value_text(true), "true");
  EXPECT_EQ(value_text(S("a b")), "a b");
  EXPECT_EQ(value_text(osc::Blob{0x00, 0xff}), "0x00ff");
  EXPECT_EQ(value_text(osc::Nil{}), "nil");
}

TEST(KeyValueLines, OneLineEachValuesAligned) {
  const auto status =
      osc::make_message("/clara/status", {S("mode"), S("duet"), S("temperature"), 0.8f, S("playing"), false});
  EXPECT_EQ(key_value_lines(status),
            "mode:        duet\n"
            "temperature: 0.8\n"
            "playing:     false\n");
  EXPECT_EQ(key_value_lines(osc::make_message("/clara/status", {})), "");
  EXPECT_EQ(key_value_lines(osc::make_message("/clara/status", {3, 4, S("odd")})), "?:   4\nodd:\n");
}

TEST(FindValue, LooksUpAKey) {
  const auto status = osc::make_message("/clara/status", {S("mode"), S("duet"), S("model"), S("chordwise-piano")});
  EXPECT_EQ(find_value(status, "model"), osc::Value(S("chordwise-piano")));
  EXPECT_FALSE(find_value(status, "tempo").has_value());
}

TEST(ModelsTable, MarksThePlayingModelAndUnknownNll) {
  const auto models = osc::make_message("/clara/models", {S("chordwise-piano"), S("chordwise"), S("piano"), 1.25f,
                                                          S("notewise-piano"), S("notewise"), S("piano"), -1.0f});
  EXPECT_EQ(models_table(models, S("chordwise-piano")),
            "   NAME             ENCODING   INSTRUMENTS  HELD-OUT NLL\n"
            "*  chordwise-piano  chordwise  piano        1.250\n"
            "   notewise-piano   notewise   piano        -\n");
  EXPECT_EQ(models_table(osc::make_message("/clara/models", {}), std::nullopt), "no models\n");
}

TEST(ListLines, AddressesAndTheirTypes) {
  const auto list =
      osc::make_message("/clara/list", {S("/clara/temperature"), S("f"), S("/clara/meter"), S("ii"), S("/clara/panic"), S("")});
  EXPECT_EQ(list_lines(list),
            "/clara/temperature  f\n"
            "/clara/meter        ii\n"
            "/clara/panic        -\n");
}

TEST(WatchLine, OffsetThenKeyAndValues) {
  EXPECT_EQ(watch_line(12.3456, osc::make_message("/clara/value", {S("meter"), 3, 4})), "   12.346  meter: 3 4\n");
}

}  // namespace
}  // namespace clara::ctl
