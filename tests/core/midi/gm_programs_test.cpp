#include "core/midi/gm_programs.hpp"

#include <gtest/gtest.h>

namespace clara {
namespace {

TEST(GmPrograms, NamesByZeroBasedProgram) {
  EXPECT_EQ(gm_program_name(0), "Acoustic Grand Piano");
  EXPECT_EQ(gm_program_name(40), "Violin");
  EXPECT_EQ(gm_program_name(42), "Cello");
  EXPECT_EQ(gm_program_name(73), "Flute");
  EXPECT_EQ(gm_program_name(127), "Gunshot");
  EXPECT_EQ(gm_program_name(-1), "");
  EXPECT_EQ(gm_program_name(128), "");
}

}  // namespace
}  // namespace clara
