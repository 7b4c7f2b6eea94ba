#include "core/evaluation/style_features.hpp"

#include <gtest/gtest.h>

namespace clara {
namespace {

TEST(StyleFeatures, FiguresOfAHandMadePassage) {
  // C E G as a chord for one beat, then D alone for one beat; 2 beats long.
  const std::vector<Note> notes{{60, 0, 1, 80}, {64, 0, 1, 80}, {67, 0, 1, 80}, {62, 1, 2, 80}};
  const StyleFeatures f = style_features(notes, 2.0);
  EXPECT_DOUBLE_EQ(f[0], 0.25);  // C
  EXPECT_DOUBLE_EQ(f[2], 0.25);  // D
  EXPECT_DOUBLE_EQ(f[4], 0.25);  // E
  EXPECT_DOUBLE_EQ(f[7], 0.25);  // G
  EXPECT_DOUBLE_EQ(f[1], 0.0);
  EXPECT_DOUBLE_EQ(f[12], 2.0);                           // 4 notes over 2 beats
  EXPECT_DOUBLE_EQ(f[13], 2.0);                           // 3 then 1 sounding
  EXPECT_DOUBLE_EQ(f[14], (60 + 64 + 67 + 62) / 4.0 / 12);  // mean key in octaves
  EXPECT_DOUBLE_EQ(f[16 + 3], 1.0);                       // every note in [1, 2) beats
  EXPECT_DOUBLE_EQ(f[22], 1.0);                           // mean length
  EXPECT_DOUBLE_EQ(f[23], 0.75);                          // 3 of 4 onsets in a chord
  const StyleFeatures none = style_features({}, 1.0);
  for (double x : none) EXPECT_DOUBLE_EQ(x, 0.0);
}

TEST(NotesOfTokens, APassageCutAnywhere) {
  EncodingSpec spec;  // notewise, 12 steps a quarter
  const int c4 = 60 - spec.range.lowest;
  const int e4 = 64 - spec.range.lowest;
  // An end of a note begun before the passage, a note of 12 steps, one left open at the end.
  const std::vector<std::string> tokens{"endp" + std::to_string(c4), "p" + std::to_string(c4), "wait12",
                                        "endp" + std::to_string(c4), "p" + std::to_string(e4), "wait6"};
  double beats = 0;
  const auto notes = notes_of_tokens(tokens, spec, &beats);
  EXPECT_DOUBLE_EQ(beats, 1.5);
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[0].pitch, 60);
  EXPECT_DOUBLE_EQ(notes[0].start, 0.0);
  EXPECT_DOUBLE_EQ(notes[0].end, 13.0 / 12);  // an end token closes its note at the end of its step
  EXPECT_EQ(notes[1].pitch, 64);
  EXPECT_DOUBLE_EQ(notes[1].start, 1.0);
  EXPECT_DOUBLE_EQ(notes[1].end, 1.5);  // closed at the passage's end
}

}  // namespace
}  // namespace clara
