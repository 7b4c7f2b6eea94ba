#include "core/encoding/split.hpp"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>

namespace clara {
namespace {

std::string path_of(int i) { return "piano/Composer" + std::to_string(i % 7) + "/piece" + std::to_string(i) + ".mid"; }

TEST(Split, SameSeedAndPathGiveTheSameSplitWhateverTheOrder) {
  const SplitOptions o{42, 0.1, 0.1};
  std::map<std::string, Split> forward;
  for (int i = 0; i < 500; ++i) forward[path_of(i)] = assign_split(path_of(i), o);
  for (int i = 499; i >= 0; --i) EXPECT_EQ(assign_split(path_of(i), o), forward[path_of(i)]);
}

TEST(Split, FractionsAreRespectedOnManyPieces) {
  const SplitOptions o{7, 0.05, 0.05};
  int counts[3] = {0, 0, 0};
  const int n = 20000;
  for (int i = 0; i < n; ++i) ++counts[static_cast<int>(assign_split(path_of(i), o))];
  EXPECT_NEAR(counts[static_cast<int>(Split::valid)] / double(n), 0.05, 0.01);
  EXPECT_NEAR(counts[static_cast<int>(Split::test)] / double(n), 0.05, 0.01);
  EXPECT_NEAR(counts[static_cast<int>(Split::train)] / double(n), 0.90, 0.015);
}

TEST(Split, DifferentSeedsGiveDifferentSplits) {
  int differ = 0;
  for (int i = 0; i < 1000; ++i)
    differ += assign_split(path_of(i), {1, 0.3, 0.3}) != assign_split(path_of(i), {2, 0.3, 0.3});
  EXPECT_GT(differ, 200);
}

TEST(Split, ExtremeFractions) {
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(assign_split(path_of(i), {3, 0.0, 0.0}), Split::train);
    EXPECT_EQ(assign_split(path_of(i), {3, 1.0, 0.0}), Split::valid);
    EXPECT_EQ(assign_split(path_of(i), {3, 0.0, 1.0}), Split::test);
  }
}

TEST(Split, BadFractionsAreRejected) {
  EXPECT_THROW(assign_split("a.mid", {0, -0.1, 0.1}), std::invalid_argument);
  EXPECT_THROW(assign_split("a.mid", {0, 0.6, 0.6}), std::invalid_argument);
}

TEST(Split, OnlyTrainGetsTwelveKeys) {
  const std::vector<int> train = transpositions_for(Split::train);
  ASSERT_EQ(train.size(), 12u);
  EXPECT_EQ(train.front(), -5);
  EXPECT_EQ(train.back(), 6);
  EXPECT_EQ(transpositions_for(Split::valid), std::vector<int>{0});
  EXPECT_EQ(transpositions_for(Split::test), std::vector<int>{0});
  EXPECT_EQ(to_string(Split::valid), "valid");
}

}  // namespace
}  // namespace clara
