#include "tools/ctl/ctl_request.hpp"

#include <gtest/gtest.h>

namespace clara::ctl {
namespace {

const std::vector<AddressTypes> kKnown{{"/clara/temperature", "f"}, {"/clara/meter", "ii"}, {"/clara/top_k", "i"},
                                       {"/clara/playing", "T"},     {"/clara/mode", "s"},   {"/clara/panic", ""},
                                       {"/clara/get", "s"}};

std::string message_of(const std::string& key, const std::vector<std::string>& values) {
  try {
    make_set(key, values, kKnown);
  } catch (const RequestError& e) {
    return e.what();
  }
  return "";
}

TEST(MakeSet, ConvertsValuesByTheTypesClaradLists) {
  EXPECT_EQ(make_set("temperature", {"0.8"}, kKnown), (osc::Message{"/clara/temperature", "f", {0.8f}}));
  EXPECT_EQ(make_set("meter", {"3", "4"}, kKnown), (osc::Message{"/clara/meter", "ii", {3, 4}}));
  EXPECT_EQ(make_set("/clara/top_k", {"-5"}, kKnown), (osc::Message{"/clara/top_k", "i", {-5}}));
  EXPECT_EQ(make_set("mode", {"call and response"}, kKnown),
            (osc::Message{"/clara/mode", "s", {std::string("call and response")}}));
}

TEST(MakeSet, ABooleanChoosesItsTag) {
  EXPECT_EQ(make_set("playing", {"off"}, kKnown), (osc::Message{"/clara/playing", "F", {false}}));
  EXPECT_EQ(make_set("playing", {"true"}, kKnown), (osc::Message{"/clara/playing", "T", {true}}));
  EXPECT_NE(message_of("playing", {"maybe"}).find("'maybe' is not a boolean"), std::string::npos);
}

TEST(MakeSet, AValueThatDoesNotParseIsNamed) {
  EXPECT_EQ(message_of("temperature", {"hot"}), "temperature: 'hot' is not a number (float32)");
  EXPECT_EQ(message_of("meter", {"3", "4.5"}), "meter value 2: '4.5' is not an integer (int32)");
  EXPECT_EQ(message_of("top_k", {"99999999999"}), "top_k: 99999999999 is outside the range of int32");
  EXPECT_EQ(message_of("temperature", {"1e39"}), "temperature: 1e39 is outside the range of float32");
  EXPECT_EQ(message_of("temperature", {""}), "temperature: '' is not a number (float32)");
}

TEST(MakeSet, TheWrongNumberOfValuesSaysHowMany) {
  EXPECT_EQ(message_of("meter", {"3"}), "meter takes 2 values (ii), got 1");
  EXPECT_EQ(message_of("temperature", {"1", "2"}), "temperature takes 1 value (f), got 2");
}

TEST(MakeSet, AnUnknownKeyListsTheSettableOnes) {
  EXPECT_EQ(message_of("temprature", {"1"}),
            "unknown key 'temprature'; the keys clarad can set: meter, mode, playing, temperature, top_k");
  EXPECT_NE(message_of("panic", {"1"}).find("'panic' takes no value"), std::string::npos);
  // The protocol's own addresses are listed by /clara/list but are no settings.
  EXPECT_NE(message_of("get", {"tempo"}).find("unknown key 'get'"), std::string::npos);
}

TEST(ParseArgument, TakesEachTagsTextForm) {
  EXPECT_EQ(parse_argument('h', "-9000000000", "x"), osc::Value(std::int64_t{-9000000000}));
  EXPECT_EQ(parse_argument('d', "+2.5", "x"), osc::Value(2.5));
  EXPECT_EQ(parse_argument('c', "A", "x"), osc::Value(std::int32_t{65}));
  EXPECT_EQ(parse_argument('m', "0x00903c64", "x"), osc::Value(std::int32_t{0x00903c64}));
  EXPECT_EQ(parse_argument('b', "0xdeadBEEF", "x"), osc::Value(osc::Blob{0xde, 0xad, 0xbe, 0xef}));
  EXPECT_EQ(parse_argument('t', "now", "x"), osc::Value(osc::TimeTag{osc::kImmediately}));
  EXPECT_THROW(parse_argument('b', "abc", "x"), RequestError);
  EXPECT_THROW(parse_argument('b', "zz", "x"), RequestError);
  EXPECT_THROW(parse_argument('q', "1", "x"), RequestError);
  EXPECT_THROW(parse_argument('i', "12abc", "x"), RequestError);
}

TEST(MakeRaw, FollowsOscsendArgumentsForTagsWithoutData) {
  EXPECT_EQ(make_raw("/a/b", "iTsNf", {"1", "x", "0.5"}),
            (osc::Message{"/a/b", "iTsNf", {1, true, std::string("x"), osc::Nil{}, 0.5f}}));
  EXPECT_EQ(make_raw("/clara/panic", "", {}), (osc::Message{"/clara/panic", "", {}}));
  EXPECT_EQ(make_raw("/x", ",i", {"3"}), (osc::Message{"/x", "i", {3}}));
  EXPECT_THROW(make_raw("clara/panic", "", {}), RequestError);
  try {
    make_raw("/x", "ii", {"1"});
    FAIL();
  } catch (const RequestError& e) {
    EXPECT_STREQ(e.what(), "type tags 'ii' take 2 arguments, got 1");
  }
}

TEST(ParseList, ReadsPairsAndRefusesAnotherShape) {
  const auto list = parse_list(osc::make_message(
      "/clara/list", {std::string("/clara/meter"), std::string("ii"), std::string("/clara/panic"), std::string("")}));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].address, "/clara/meter");
  EXPECT_EQ(list[0].types, "ii");
  EXPECT_EQ(list[1].types, "");
  EXPECT_THROW(parse_list(osc::make_message("/clara/list", {std::string("/clara/meter")})), RequestError);
  EXPECT_THROW(parse_list(osc::make_message("/clara/list", {std::string("/clara/meter"), 3})), RequestError);
}

TEST(Answers, MatchesTheReplyToItsRequest) {
  const auto panic = osc::make_message("/clara/panic", {});
  EXPECT_TRUE(answers(panic, osc::make_message("/clara/ok", {std::string("/clara/panic")})));
  EXPECT_TRUE(answers(panic, osc::make_message("/clara/error", {std::string("/clara/panic"), std::string("no")})));
  EXPECT_FALSE(answers(panic, osc::make_message("/clara/ok", {std::string("/clara/stop")})));
  const auto status = osc::make_message("/clara/status", {});
  EXPECT_TRUE(answers(status, osc::make_message("/clara/status", {std::string("mode"), std::string("duet")})));
  EXPECT_FALSE(answers(status, osc::make_message("/clara/value", {std::string("tempo"), 120.0f})));
  const auto get = osc::make_message("/clara/get", {std::string("tempo")});
  EXPECT_TRUE(answers(get, osc::make_message("/clara/value", {std::string("tempo"), 120.0f})));
  EXPECT_FALSE(answers(get, osc::make_message("/clara/value", {std::string("meter"), 3, 4})));
  EXPECT_TRUE(answers(get, osc::make_message("/clara/error", {std::string("/clara/get"), std::string("unknown key")})));
}

TEST(ErrorReason, IsTheSecondArgument) {
  EXPECT_EQ(error_reason(osc::make_message("/clara/error", {std::string("/clara/x"), std::string("why")})), "why");
  EXPECT_EQ(error_reason(osc::make_message("/clara/error", {std::string("/clara/x")})), "");
}

}  // namespace
}  // namespace clara::ctl
