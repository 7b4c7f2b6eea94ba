#include "core/encoding/note_range.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace clara {
namespace {

TEST(NoteRange, StandardAndSmallWindowsMatchTheSeed) {
  EXPECT_EQ(NoteRange::standard().lowest, 33);
  EXPECT_EQ(NoteRange::standard().highest(), 94);
  EXPECT_EQ(NoteRange::small().lowest, 45);
  EXPECT_EQ(NoteRange::small().highest(), 82);
}

TEST(NoteRange, InRangePitchesKeepTheirIndex) {
  const NoteRange r = NoteRange::standard();
  for (int p = 33; p <= 94; ++p) EXPECT_EQ(r.fold(p), p - 33);
}

TEST(NoteRange, FoldsByOctavesIntoTheWindow) {
  const NoteRange r = NoteRange::standard();
  EXPECT_EQ(r.fold(32), 32 + 12 - 33);   // G#1 -> G#2
  EXPECT_EQ(r.fold(21), 21 + 12 - 33);   // A0 -> A1, lowest index
  EXPECT_EQ(r.fold(0), 0 + 36 - 33);
  EXPECT_EQ(r.fold(95), 95 - 12 - 33);   // B6 -> B5
  EXPECT_EQ(r.fold(127), 127 - 36 - 33);
  for (int p = 0; p < 128; ++p) {
    const int i = r.fold(p);
    EXPECT_TRUE(r.contains_index(i)) << p;
    EXPECT_EQ(((p - 33 - i) % 12 + 12) % 12, 0) << p;  // only whole octaves
  }
}

TEST(NoteRange, ValidateRejectsWindowsSmallerThanAnOctaveOrOutsideMidi) {
  EXPECT_THROW((NoteRange{40, 11}.validate()), std::invalid_argument);
  EXPECT_THROW((NoteRange{120, 12}.validate()), std::invalid_argument);
  EXPECT_NO_THROW(NoteRange::small().validate());
}

}  // namespace
}  // namespace clara
