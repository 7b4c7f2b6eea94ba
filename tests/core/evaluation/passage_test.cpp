#include "core/evaluation/passage.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace clara {
namespace {

TEST(Passage, TakesNotesByOnsetClipsAndShifts) {
  const std::vector<Note> notes{{60, 0, 5, 80}, {62, 3, 4, 80}, {64, 4, 9, 80}, {65, 8, 9, 80}};
  const auto p = passage(notes, 0, 4);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].end, 4);  // held across the end: clipped
  EXPECT_EQ(p[1].pitch, 62);
  const auto q = passage(notes, 4, 8);
  ASSERT_EQ(q.size(), 1u);  // 60 began before: it belongs to the first passage only
  EXPECT_EQ(q[0].pitch, 64);
  EXPECT_EQ(q[0].start, 0);
  EXPECT_EQ(q[0].end, 4);
  EXPECT_THROW(passage(notes, 4, 4), std::invalid_argument);
}

TEST(Passage, AllNotesMergesPartsInTimeOrder) {
  Score s;
  s.parts.resize(2);
  s.parts[0].notes = {{60, 1, 2, 80}, {67, 3, 4, 80}};
  s.parts[1].notes = {{48, 0, 4, 80}, {55, 1, 2, 80}};
  const auto all = all_notes(s);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].pitch, 48);
  EXPECT_EQ(all[1].pitch, 55);
  EXPECT_EQ(all[2].pitch, 60);
  EXPECT_EQ(all[3].pitch, 67);
}

}  // namespace
}  // namespace clara
