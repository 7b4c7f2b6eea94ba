#include "core/evaluation/inception_score.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace clara {
namespace {

TEST(InceptionScore, IdenticalRowsScoreOne) {
  EXPECT_NEAR(inception_score(ProbabilityRows(5, std::vector<double>(4, 0.25))), 1.0, 1e-12);
  // Sharp but all the same class: still 1 (no variety).
  EXPECT_NEAR(inception_score(ProbabilityRows(3, {0.0, 1.0, 0.0})), 1.0, 1e-12);
}

TEST(InceptionScore, OneHotDistinctClassesScoreTheClassCount) {
  for (std::size_t k = 1; k <= 8; ++k) {
    ProbabilityRows rows(k, std::vector<double>(k, 0.0));
    for (std::size_t i = 0; i < k; ++i) rows[i][i] = 1;
    EXPECT_NEAR(inception_score(rows), static_cast<double>(k), 1e-9) << k << " classes";
  }
}

TEST(InceptionScore, HandComputedTwoByTwo) {
  // Rows {1, 0} and {1/2, 1/2}: p(y) = {3/4, 1/4}.
  // KL1 = ln(4/3); KL2 = 1/2 ln(2/3) + 1/2 ln(2) = 1/2 ln(4/3); mean = 3/4 ln(4/3).
  const ProbabilityRows rows{{1.0, 0.0}, {0.5, 0.5}};
  EXPECT_NEAR(inception_score(rows), std::pow(4.0 / 3, 0.75), 1e-12);
  // Order of samples does not matter.
  EXPECT_NEAR(inception_score(ProbabilityRows{{0.5, 0.5}, {1.0, 0.0}}), std::pow(4.0 / 3, 0.75),
              1e-12);
}

TEST(InceptionScore, SubsetOfRowsIsScoredAsItsOwnSample) {
  const ProbabilityRows rows{{1.0, 0.0}, {0.0, 1.0}, {0.5, 0.5}};
  const std::vector<std::size_t> first_two{0, 1};
  EXPECT_NEAR(inception_score(rows, first_two), 2.0, 1e-12);
  const std::vector<std::size_t> repeated{0, 0};
  EXPECT_NEAR(inception_score(rows, repeated), 1.0, 1e-12);
}

TEST(InceptionScore, BadRowsNameTheRow) {
  try {
    inception_score(ProbabilityRows{{0.5, 0.5}, {0.6, 0.6}});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("row 2 sums to"), std::string::npos) << e.what();
  }
  EXPECT_THROW(inception_score(ProbabilityRows{}), std::invalid_argument);
  EXPECT_THROW(inception_score(ProbabilityRows{{1.0}, {0.5, 0.5}}), std::invalid_argument);
  EXPECT_THROW(inception_score(ProbabilityRows{{1.5, -0.5}}), std::invalid_argument);
  EXPECT_THROW(inception_score(ProbabilityRows{{NAN, 1.0}}), std::invalid_argument);
}

TEST(InceptionScore, BootstrapIntervalIsSeededAndBracketsTheScore) {
  // 40 samples, mostly one-hot over 4 classes, some blurred.
  ProbabilityRows rows;
  for (int i = 0; i < 40; ++i) {
    std::vector<double> r(4, 0.0);
    if (i % 5 == 0) {
      r = {0.25, 0.25, 0.25, 0.25};
    } else {
      r[static_cast<std::size_t>(i % 4)] = 1;
    }
    rows.push_back(r);
  }
  BootstrapOptions o;
  o.seed = 7;
  o.resamples = 500;
  const InceptionScore a = inception_score_with_interval(rows, o);
  const InceptionScore b = inception_score_with_interval(rows, o);
  EXPECT_EQ(a.interval.low, b.interval.low);
  EXPECT_EQ(a.interval.high, b.interval.high);
  EXPECT_EQ(a.samples, 40u);
  EXPECT_LT(a.interval.low, a.score);
  EXPECT_GT(a.interval.high, a.score);
  EXPECT_GT(a.interval.low, 1.0);
  EXPECT_LE(a.interval.high, 4.0 + 1e-9);
  o.seed = 8;
  const InceptionScore c = inception_score_with_interval(rows, o);
  EXPECT_EQ(c.score, a.score);
  EXPECT_TRUE(c.interval.low != a.interval.low || c.interval.high != a.interval.high);
}

}  // namespace
}  // namespace clara
