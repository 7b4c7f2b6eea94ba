#include "core/encoding/split.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

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

std::vector<std::string> corpus(int n) {
  std::vector<std::string> paths;
  for (int i = 0; i < n; ++i) paths.push_back(path_of(i));
  return paths;
}

std::size_t count(const CorpusSplit& c, Split s) {
  return static_cast<std::size_t>(std::count(c.splits.begin(), c.splits.end(), s));
}

TEST(SplitCorpus, OnePieceTrainsAndWarnsThatValidAndTestAreEmpty) {
  const CorpusSplit c = split_corpus({"Bach/a.mid"}, {0, 0.05, 0.05});
  ASSERT_EQ(c.splits.size(), 1u);
  EXPECT_EQ(c.splits[0], Split::train);
  EXPECT_EQ(c.pieces[static_cast<int>(Split::train)], 1u);
  EXPECT_NE(c.warning.find("1 piece:"), std::string::npos) << c.warning;
  EXPECT_NE(c.warning.find("none for valid"), std::string::npos) << c.warning;
  EXPECT_NE(c.warning.find("none for test"), std::string::npos) << c.warning;
}

TEST(SplitCorpus, TwoPiecesGiveOneToTrainAndOneToValidAndWarnAboutTest) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const CorpusSplit c = split_corpus(corpus(2), {seed, 0.05, 0.05});
    EXPECT_EQ(count(c, Split::train), 1u) << "seed " << seed;
    EXPECT_EQ(count(c, Split::valid), 1u) << "seed " << seed;
    EXPECT_EQ(count(c, Split::test), 0u) << "seed " << seed;
    EXPECT_NE(c.warning.find("2 pieces: none for test (needs 3 or more)"), std::string::npos) << c.warning;
  }
}

TEST(SplitCorpus, ThreePiecesGiveOneToEachSplit) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    for (double f : {0.05, 0.4}) {
      const CorpusSplit c = split_corpus(corpus(3), {seed, f, f});
      EXPECT_EQ(count(c, Split::train), 1u) << "seed " << seed << " fraction " << f;
      EXPECT_EQ(count(c, Split::valid), 1u) << "seed " << seed << " fraction " << f;
      EXPECT_EQ(count(c, Split::test), 1u) << "seed " << seed << " fraction " << f;
      EXPECT_EQ(c.warning, "");
    }
  }
}

TEST(SplitCorpus, FivePiecesLikeTheMiniCorpusKeepValidAndTestAndTrainTheRest) {
  const std::vector<std::string> mini{"Bach/BWV-510.mid", "Bach/BWV-511.mid", "Czerny/Czerny_Op_821_No_002.mid",
                                      "Czerny/Czerny_Op_821_No_007.mid", "Broken/truncated.mid"};
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    const CorpusSplit c = split_corpus(mini, {seed, 0.05, 0.05});
    EXPECT_GE(count(c, Split::valid), 1u) << "seed " << seed;
    EXPECT_GE(count(c, Split::test), 1u) << "seed " << seed;
    EXPECT_GE(count(c, Split::train), 2u) << "seed " << seed;
    for (int s = 0; s < 3; ++s) EXPECT_EQ(c.pieces[s], count(c, static_cast<Split>(s)));
    EXPECT_EQ(c.warning, "");
  }
}

TEST(SplitCorpus, ManyPiecesKeepThePerPieceAssignment) {
  const std::vector<std::string> paths = corpus(2000);
  const SplitOptions o{11, 0.05, 0.05};
  const CorpusSplit c = split_corpus(paths, o);
  for (std::size_t i = 0; i < paths.size(); ++i) EXPECT_EQ(c.splits[i], assign_split(paths[i], o)) << paths[i];
  EXPECT_GT(count(c, Split::valid), 50u);
  EXPECT_GT(count(c, Split::test), 50u);
  EXPECT_EQ(c.warning, "");
}

TEST(SplitCorpus, ResultDependsOnTheSetOfPathsNotTheirOrder) {
  for (int n : {3, 4, 5, 9, 40}) {
    std::vector<std::string> paths = corpus(n);
    const CorpusSplit a = split_corpus(paths, {5, 0.05, 0.05});
    std::map<std::string, Split> by_path;
    for (int i = 0; i < n; ++i) by_path[paths[static_cast<std::size_t>(i)]] = a.splits[static_cast<std::size_t>(i)];
    std::mt19937 rng(static_cast<unsigned>(n));
    std::shuffle(paths.begin(), paths.end(), rng);
    const CorpusSplit b = split_corpus(paths, {5, 0.05, 0.05});
    for (int i = 0; i < n; ++i)
      EXPECT_EQ(b.splits[static_cast<std::size_t>(i)], by_path[paths[static_cast<std::size_t>(i)]]) << n;
  }
}

TEST(SplitCorpus, AZeroFractionStaysEmptyWithoutAWarning) {
  const CorpusSplit c = split_corpus(corpus(5), {0, 0.0, 0.0});
  EXPECT_EQ(count(c, Split::train), 5u);
  EXPECT_EQ(c.warning, "");
  const CorpusSplit only_valid = split_corpus(corpus(5), {0, 0.05, 0.0});
  EXPECT_EQ(count(only_valid, Split::valid), 1u);
  EXPECT_EQ(count(only_valid, Split::test), 0u);
}

TEST(SplitCorpus, EverythingHeldOutStillLeavesTrainAPiece) {
  // valid + test = 1 asks for no training piece; with 0.6 + 0.3 training still gets one.
  const CorpusSplit c = split_corpus(corpus(3), {2, 0.6, 0.3});
  EXPECT_EQ(count(c, Split::train), 1u);
  EXPECT_EQ(count(c, Split::valid) + count(c, Split::test), 2u);
}

}  // namespace
}  // namespace clara
