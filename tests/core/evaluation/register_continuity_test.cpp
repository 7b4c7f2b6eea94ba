#include "core/evaluation/register_continuity.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

namespace clara {
namespace {

TEST(RegisterContinuity, LastBarOfThePhraseAgainstFirstBarOfTheAnswer) {
  // Phrase of 8 beats in 4/4: bar 1 low (48), bar 2 around 64 and 68 (mean 66).
  const std::vector<Note> phrase{{48, 0, 4, 80}, {64, 4, 6, 80}, {68, 6, 8, 80}};
  // Answer: first bar 72 and 76 (mean 74), then far away (96) in bar 2.
  const std::vector<Note> answer{{72, 0, 2, 80}, {76, 2, 4, 80}, {96, 4, 8, 80}};
  EXPECT_DOUBLE_EQ(*register_distance(phrase, 8, answer, 4), 8.0);
  // The phrase's last bar repeated an octave up: 12.
  const std::vector<Note> echo{{76, 0, 2, 80}, {80, 2, 4, 80}};
  EXPECT_DOUBLE_EQ(*register_distance(phrase, 8, echo, 4), 12.0);
  // A 3/4 bar: the phrase's last bar is [5, 8), where 64 (from 4 to 6) and 68 sound.
  EXPECT_DOUBLE_EQ(*register_distance(phrase, 8, echo, 3), 12.0);
}

TEST(RegisterContinuity, HeldNotesCountAndRestsFallBackToTheNearestOnset) {
  // A note held from bar 1 into the last bar sounds there.
  const std::vector<Note> held{{50, 0, 6, 80}, {70, 5, 6, 80}};
  const std::vector<Note> answer{{60, 0, 1, 80}};
  EXPECT_DOUBLE_EQ(*register_distance(held, 8, answer, 4), 0.0);  // mean (50 + 70) / 2 = 60
  // The phrase ends in a rest of a whole bar: its last onset (a chord 62 + 66) counts.
  const std::vector<Note> resting{{40, 0, 1, 80}, {62, 2, 3, 80}, {66, 2, 3, 80}};
  // The answer begins after a bar of rest: its first onset (55) counts.
  const std::vector<Note> late{{55, 5, 6, 80}, {90, 7, 8, 80}};
  EXPECT_DOUBLE_EQ(*register_distance(resting, 8, late, 4), 9.0);
  EXPECT_FALSE(register_distance(std::vector<Note>{}, 8, answer, 4));
  EXPECT_FALSE(register_distance(held, 8, std::vector<Note>{}, 4));
  EXPECT_THROW(register_distance(held, 8, answer, 0), std::invalid_argument);
}

}  // namespace
}  // namespace clara
