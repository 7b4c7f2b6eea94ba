#include "core/encoding/token_table.hpp"

#include <gtest/gtest.h>

namespace clara {
namespace {

Vocabulary chamber_vocab() {
  return Vocabulary({"v3", "endv3", "p0", "endp0", "p12", "endp12", "wait1", "wait25", "P3", "p5eoc",
                     "p_octave_4", "waitx", "end7", "wait0"});
}

TEST(TokenTable, ClassifiesNotewiseTokens) {
  Vocabulary v = chamber_vocab();
  TokenTable t(v);
  ASSERT_EQ(t.size(), v.size());
  EXPECT_EQ(t.info(Vocabulary::kEos).kind, TokenKind::kSpecial);
  EXPECT_EQ(t.info(Vocabulary::kUnk).kind, TokenKind::kSpecial);
  ASSERT_EQ(t.prefixes(), (std::vector<std::string>{"v", "p"}));
  const TokenInfo& p12 = t.info(v.id("p12"));
  EXPECT_EQ(p12.kind, TokenKind::kOnset);
  EXPECT_EQ(p12.prefix, t.prefix_id("p"));
  EXPECT_EQ(p12.pitch, 12);
  const TokenInfo& endv3 = t.info(v.id("endv3"));
  EXPECT_EQ(endv3.kind, TokenKind::kEnd);
  EXPECT_EQ(endv3.prefix, t.prefix_id("v"));
  EXPECT_EQ(endv3.pitch, 3);
  EXPECT_EQ(t.info(v.id("wait25")).kind, TokenKind::kWait);
  EXPECT_EQ(t.info(v.id("wait25")).wait, 25);
  for (const char* other : {"P3", "p5eoc", "p_octave_4", "waitx", "end7", "wait0"})
    EXPECT_EQ(t.info(v.id(other)).kind, TokenKind::kOther) << other;
  EXPECT_EQ(t.pitch_count(), 13);
}

TEST(TokenTable, LooksUpOnsetAndEndIds) {
  Vocabulary v = chamber_vocab();
  TokenTable t(v);
  const int p = t.prefix_id("p");
  EXPECT_EQ(t.onset_id(p, 12), v.id("p12"));
  EXPECT_EQ(t.end_id(p, 0), v.id("endp0"));
  EXPECT_EQ(t.onset_id(p, 3), -1);        // p3 is not in the vocabulary
  EXPECT_EQ(t.end_id(p, 99), -1);         // outside the pitch range
  EXPECT_EQ(t.onset_id(7, 0), -1);        // unknown prefix id
  EXPECT_EQ(t.prefix_id("x"), -1);
  EXPECT_THROW(t.info(static_cast<int>(v.size())), std::out_of_range);
}

TEST(TokenMask, AllowsOneInstrumentAndWaits) {
  Vocabulary v = chamber_vocab();
  TokenMask m = mask_for_prefixes(v, {"p"});
  ASSERT_EQ(m.size(), v.size());
  for (const char* yes : {"p0", "endp0", "p12", "endp12", "wait1", "wait25"}) EXPECT_EQ(m[v.id(yes)], 1) << yes;
  for (const char* no : {"v3", "endv3", "P3", "p5eoc", "<unk>", "<pad>", "<eos>"})
    EXPECT_EQ(m[static_cast<std::size_t>(v.id(no))], 0) << no;
  TokenMask both = mask_for_prefixes(v, {"p", "v"});
  EXPECT_EQ(both[v.id("v3")], 1);
  EXPECT_THROW(mask_for_prefixes(v, {"q"}), std::invalid_argument);
}

}  // namespace
}  // namespace clara
