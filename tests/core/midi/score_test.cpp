#include "core/midi/score.hpp"

#include <gtest/gtest.h>

namespace clara {
namespace {

TEST(Score, EmptyScoreHasNoLengthAndNoNotes) {
  Score s;
  EXPECT_EQ(s.length_quarters(), 0.0);
  EXPECT_EQ(s.note_count(), 0u);
  s.parts.emplace_back();  // a part without notes adds nothing
  EXPECT_EQ(s.length_quarters(), 0.0);
  EXPECT_EQ(s.note_count(), 0u);
}

TEST(Score, LengthIsTheLatestNoteEndInAnyPart) {
  Score s;
  Part a;
  a.notes = {{60, 0.0, 9.5, 80}, {62, 4.0, 5.0, 80}};  // the long early note ends last
  Part b;
  b.notes = {{40, 2.0, 7.25, 80}};
  s.parts = {a, b};
  EXPECT_DOUBLE_EQ(s.length_quarters(), 9.5);
  EXPECT_EQ(s.note_count(), 3u);
  s.parts[1].notes.push_back({41, 8.0, 12.0, 80});
  EXPECT_DOUBLE_EQ(s.length_quarters(), 12.0);
  EXPECT_EQ(s.note_count(), 4u);
}

}  // namespace
}  // namespace clara
