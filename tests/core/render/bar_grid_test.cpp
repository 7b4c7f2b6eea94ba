#include "core/render/bar_grid.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace clara {
namespace {

TEST(BarGrid, MetreChangesOnBarLines) {
  const auto bars = bar_grid({{0, 4, 4}, {8, 3, 4}, {14, 6, 8}}, 21);
  ASSERT_EQ(bars.size(), 7u);
  const double starts[] = {0, 4, 8, 11, 14, 17, 20};
  for (std::size_t i = 0; i < bars.size(); ++i) {
    EXPECT_EQ(bars[i].number, static_cast<int>(i) + 1);
    EXPECT_DOUBLE_EQ(bars[i].start, starts[i]);
  }
  EXPECT_DOUBLE_EQ(bars[2].length, 3);
  EXPECT_DOUBLE_EQ(bars[2].beat, 1);
  EXPECT_EQ(bars[4].numerator, 6);
  EXPECT_DOUBLE_EQ(bars[4].length, 3);
  EXPECT_DOUBLE_EQ(bars[4].beat, 0.5);
}

TEST(BarGrid, ASignatureInsideABarCutsIt) {
  const auto bars = bar_grid({{0, 3, 4}, {5, 4, 4}}, 9);
  ASSERT_EQ(bars.size(), 3u);
  EXPECT_DOUBLE_EQ(bars[1].start, 3);
  EXPECT_DOUBLE_EQ(bars[1].length, 2);
  EXPECT_DOUBLE_EQ(bars[2].start, 5);
  EXPECT_EQ(bars[2].numerator, 4);
}

TEST(BarGrid, NoSignatureIsFourFourAndAnEmptyPieceHasOneBar) {
  auto bars = bar_grid({}, 0);
  ASSERT_EQ(bars.size(), 1u);
  EXPECT_DOUBLE_EQ(bars[0].length, 4);
  bars = bar_grid({}, 8);  // a note ending on the bar line fills exactly two bars
  EXPECT_EQ(bars.size(), 2u);
}

TEST(BarGrid, BrokenSignaturesAreIgnoredAndTheCountIsBounded) {
  const auto bars = bar_grid({{0, 0, 4}, {NAN, 3, 4}, {-1, 3, 4}, {4, 2, 0}}, 12);
  ASSERT_EQ(bars.size(), 3u);
  EXPECT_EQ(bars[2].numerator, 4);
  EXPECT_EQ(bar_grid({{0, 1, 16}}, 1e7, 1000).size(), 1000u);
}

TEST(BarGrid, TheLastOfTwoSignaturesAtOnePlaceCounts) {
  const auto bars = bar_grid({{0, 4, 4}, {0, 3, 4}}, 6);
  ASSERT_EQ(bars.size(), 2u);
  EXPECT_EQ(bars[0].numerator, 3);
}

}  // namespace
}  // namespace clara
