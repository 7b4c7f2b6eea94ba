#include "core/evaluation/candidate_ranking.hpp"

#include <gtest/gtest.h>

namespace clara {
namespace {

TEST(CriticWindow, TheLastTokensOfPromptAndCandidate) {
  EXPECT_EQ(*critic_window({1, 2, 3}, {4, 5, 6, 7, 8}, 4), (std::vector<int>{5, 6, 7, 8}));
  EXPECT_EQ(*critic_window({1, 2, 3}, {4, 5}, 4), (std::vector<int>{2, 3, 4, 5}));
  EXPECT_EQ(*critic_window({}, {4, 5}, 2), (std::vector<int>{4, 5}));
  EXPECT_FALSE(critic_window({1}, {4, 5}, 4).has_value());
}

TEST(RankCandidates, MostHumanFirstTiesKeepOrder) {
  const auto r = rank_candidates({{0.2, 0.8}, {0.9, 0.1}, {0.5, 0.5}, {0.9, 0.1}});
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].index, 1u);
  EXPECT_EQ(r[1].index, 3u);
  EXPECT_EQ(r[2].index, 2u);
  EXPECT_EQ(r[3].index, 0u);
  EXPECT_DOUBLE_EQ(r[0].human, 0.9);
  EXPECT_THROW(rank_candidates({}), std::invalid_argument);
}

}  // namespace
}  // namespace clara
