#include "core/evaluation/note_statistics.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace clara {
namespace {

TEST(NoteStatistics, DensityIsNotesPerBeat) {
  const std::vector<Note> notes{{60, 0, 1, 80}, {64, 0, 1, 80}, {67, 2, 3, 80}};
  EXPECT_DOUBLE_EQ(note_density(notes, 4), 0.75);
  EXPECT_DOUBLE_EQ(note_density(std::vector<Note>{}, 4), 0.0);
  EXPECT_THROW(note_density(notes, 0), std::invalid_argument);
}

TEST(NoteStatistics, PolyphonyIgnoresRests) {
  // A melody with rests: 1.
  EXPECT_DOUBLE_EQ(*polyphony(std::vector<Note>{{60, 0, 1, 80}, {62, 3, 4, 80}}), 1.0);
  // A triad for 2 beats then one note for 2 beats: (3*2 + 1*2) / 4 = 2.
  EXPECT_DOUBLE_EQ(
      *polyphony(std::vector<Note>{{60, 0, 2, 80}, {64, 0, 2, 80}, {67, 0, 2, 80}, {72, 2, 4, 80}}),
      2.0);
  // Touching notes do not overlap; overlapping ones do: 0..1 one, 1..2 two, 2..3 one.
  EXPECT_DOUBLE_EQ(*polyphony(std::vector<Note>{{60, 0, 2, 80}, {62, 1, 3, 80}, {64, 3, 3, 80}}),
                   4.0 / 3);
  EXPECT_FALSE(polyphony(std::vector<Note>{}));
  EXPECT_FALSE(polyphony(std::vector<Note>{{60, 1, 1, 80}}));
}

TEST(NoteStatistics, LengthDistribution) {
  const std::vector<Note> notes{{60, 0, 0.125, 80}, {60, 0, 0.25, 80}, {60, 0, 0.5, 80},
                                {60, 0, 1, 80},     {60, 0, 4, 80},    {60, 0, 8, 80}};
  const auto d = note_length_distribution(notes);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->notes, 6u);
  const double sixth = 1.0 / 6;
  EXPECT_DOUBLE_EQ(d->shares[0], sixth);      // 1/8
  EXPECT_DOUBLE_EQ(d->shares[1], sixth);      // 1/4
  EXPECT_DOUBLE_EQ(d->shares[2], sixth);      // 1/2
  EXPECT_DOUBLE_EQ(d->shares[3], sixth);      // 1
  EXPECT_DOUBLE_EQ(d->shares[4], 0.0);        // nothing in [2, 4)
  EXPECT_DOUBLE_EQ(d->shares[5], 2 * sixth);  // 4 and 8
  EXPECT_DOUBLE_EQ(d->mean, (0.125 + 0.25 + 0.5 + 1 + 4 + 8) / 6);
  EXPECT_DOUBLE_EQ(d->median, 0.5);
  EXPECT_FALSE(note_length_distribution(std::vector<Note>{}));
}

}  // namespace
}  // namespace clara
