#include "core/encoding/grid_piece.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace clara {
namespace {

Score one_part(std::vector<Note> notes, std::string name = "Piano", int program = 0) {
  Score s;
  Part p;
  p.name = std::move(name);
  p.program = program;
  p.notes = std::move(notes);
  s.parts.push_back(std::move(p));
  return s;
}

GridPiece q(const Score& s, const EncodingSpec& spec, EncodeCounts& c) { return quantise(s, spec, c); }

TEST(GridPiece, TripletsAndSixteenthsLandExactlyAtTwelveSteps) {
  EncodeCounts c;
  const GridPiece g = q(one_part({{60, 1.0 / 3, 2.0 / 3}, {62, 2.0 / 3, 1.0}, {64, 1.25, 1.5}}),
                        EncodingSpec::defaults(Encoding::notewise), c);
  ASSERT_EQ(g.notes.size(), 3u);
  EXPECT_EQ(g.notes[0], (GridNote{0, 27, 4, 4}));
  EXPECT_EQ(g.notes[1], (GridNote{0, 29, 8, 4}));
  EXPECT_EQ(g.notes[2], (GridNote{0, 31, 15, 3}));
  EXPECT_EQ(g.steps, 18);
}

TEST(GridPiece, OnsetAndDurationAreFlooredSeparatelyAsInTheSeed) {
  EncodeCounts c;
  EncodingSpec spec = EncodingSpec::defaults(Encoding::chordwise);  // sf 4
  // start 0.3 -> step 1; duration 0.6 -> 2 steps (not end 0.9 -> step 3).
  const GridPiece g = q(one_part({{60, 0.3, 0.9}}), spec, c);
  EXPECT_EQ(g.notes.at(0), (GridNote{0, 27, 1, 2}));
}

TEST(GridPiece, ZeroLengthNotesGetOneStep) {
  EncodeCounts c;
  const GridPiece g = q(one_part({{60, 1.0, 1.0}, {61, 2.0, 2.01}}), EncodingSpec::defaults(Encoding::notewise), c);
  ASSERT_EQ(g.notes.size(), 2u);
  EXPECT_EQ(g.notes[0].length, 1);
  EXPECT_EQ(g.notes[1].length, 1);
  EXPECT_EQ(c.zero_length, 2u);
}

TEST(GridPiece, OutOfRangePitchesFoldByOctaves) {
  EncodeCounts c;
  const GridPiece g = q(one_part({{21, 0, 1}, {100, 0, 1}}), EncodingSpec::defaults(Encoding::notewise), c);
  ASSERT_EQ(g.notes.size(), 2u);
  EXPECT_EQ(g.notes[0].index, 0);        // A0 -> A1
  EXPECT_EQ(g.notes[1].index, 88 - 33);  // E7 -> E6
  EXPECT_EQ(c.folded, 2u);
}

TEST(GridPiece, SoloPartIsRaisedIntoViolinRange) {
  Score s = one_part({{40, 0, 1}, {60, 1, 2}}, "Cello", 42);
  s.parts.push_back(one_part({{40, 0, 1}}).parts[0]);
  EncodeCounts c;
  const GridPiece g = q(s, EncodingSpec::defaults(Encoding::chamber), c);
  ASSERT_EQ(g.notes.size(), 3u);
  EXPECT_EQ(g.notes[0], (GridNote{0, 40 + 24 - 33, 0, 12}));  // E2 -> E4 (index 31 >= 22)
  EXPECT_EQ(g.notes[1], (GridNote{1, 40 - 33, 0, 12}));       // piano untouched
  EXPECT_EQ(g.notes[2], (GridNote{0, 60 - 33, 12, 12}));
  EXPECT_EQ(c.raised, 1u);
}

TEST(GridPiece, OverlappingSamePitchNotesMergeWithOnsetWinning) {
  EncodeCounts c;
  // Long note 0..4 with a re-attack at 1..1.5: the long one is cut at the new
  // onset, and the new one holds to the end of the covered run.
  // Simultaneous 60s at 6: one note, the longest.
  const GridPiece g = q(one_part({{60, 0, 4}, {60, 1, 1.5}, {60, 6, 6.5}, {60, 6, 7}}),
                        EncodingSpec::defaults(Encoding::chordwise), c);
  ASSERT_EQ(g.notes.size(), 3u);
  EXPECT_EQ(g.notes[0], (GridNote{0, 27, 0, 4}));
  EXPECT_EQ(g.notes[1], (GridNote{0, 27, 4, 12}));
  EXPECT_EQ(g.notes[2], (GridNote{0, 27, 24, 4}));
  EXPECT_EQ(c.merged, 2u);
}

TEST(GridPiece, BadNotesThrowNamingTheNote) {
  EncodeCounts c;
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const Note& bad : {Note{60, -1, 0}, Note{60, nan, 1}, Note{60, 0, nan}, Note{200, 0, 1},
                          Note{60, 2, 1}, Note{60, 0, 1e300}}) {
    try {
      q(one_part({{60, 0, 1}, bad}), spec, c);
      FAIL() << "accepted " << bad.pitch << " " << bad.start << " " << bad.end;
    } catch (const EncodingError& e) {
      EXPECT_NE(std::string(e.what()).find("part 0 note 1"), std::string::npos) << e.what();
    }
  }
}

// The definition the event sweep must match: the seed's piano-roll row with
// "onset wins over hold", read back into notes.
std::vector<GridNote> roll_reference(const std::vector<GridNote>& raw, int parts, int size) {
  std::int64_t steps = 0;
  for (const GridNote& n : raw) steps = std::max(steps, n.end());
  std::vector<std::vector<int>> roll(static_cast<std::size_t>(parts * size),
                                     std::vector<int>(static_cast<std::size_t>(steps), 0));
  for (const GridNote& n : raw) {
    auto& row = roll[static_cast<std::size_t>(n.part * size + n.index)];
    row[static_cast<std::size_t>(n.start)] = 1;
    for (std::int64_t t = n.start + 1; t < n.end(); ++t)
      if (row[static_cast<std::size_t>(t)] == 0) row[static_cast<std::size_t>(t)] = 2;
  }
  std::vector<GridNote> out;
  for (std::int64_t t = 0; t < steps; ++t)
    for (int key = 0; key < parts * size; ++key) {
      const auto& row = roll[static_cast<std::size_t>(key)];
      if (row[static_cast<std::size_t>(t)] != 1) continue;
      std::int64_t e = t + 1;
      while (e < steps && row[static_cast<std::size_t>(e)] == 2) ++e;
      out.push_back({key / size, key % size, t, e - t});
    }
  return out;
}

TEST(GridPiece, NormaliseMatchesThePianoRollOnRandomOverlaps) {
  std::mt19937 rng(1234);
  for (int trial = 0; trial < 2000; ++trial) {
    GridPiece g;
    g.parts = 2;
    const int n = std::uniform_int_distribution<int>(0, 40)(rng);
    for (int k = 0; k < n; ++k)
      g.notes.push_back({std::uniform_int_distribution<int>(0, 1)(rng),
                         std::uniform_int_distribution<int>(0, 4)(rng),
                         std::uniform_int_distribution<int>(0, 30)(rng),
                         std::uniform_int_distribution<int>(1, 8)(rng)});
    const std::vector<GridNote> expected = roll_reference(g.notes, 2, 5);
    std::size_t merged = 0;
    normalise(g, merged);
    ASSERT_EQ(g.notes, expected) << "trial " << trial;
  }
}

TEST(GridPiece, TranspositionDropsNotesLeavingTheWindow) {
  GridPiece g;
  g.parts = 1;
  g.steps = 10;
  g.notes = {{0, 0, 0, 2}, {0, 30, 0, 2}, {0, 61, 5, 5}};
  std::size_t dropped = 0;
  const GridPiece up = transpose(g, 1, 62, dropped);
  EXPECT_EQ(dropped, 1u);
  EXPECT_EQ(up.notes, (std::vector<GridNote>{{0, 1, 0, 2}, {0, 31, 0, 2}}));
  EXPECT_EQ(up.steps, 10);
  const GridPiece down = transpose(g, -5, 62, dropped);
  EXPECT_EQ(dropped, 2u);
  EXPECT_EQ(down.notes, (std::vector<GridNote>{{0, 25, 0, 2}, {0, 56, 5, 5}}));
  EXPECT_EQ(transpose(g, 0, 62, dropped), g);
}

TEST(GridPiece, ToScoreWritesOnePartPerEntryWithTempoAndVelocity) {
  GridPiece g;
  g.parts = 2;
  g.notes = {{1, 27, 3, 6}, {0, 40, 4, 1}};
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::chamber);
  const Score s = to_score(g, spec, {90.0, 100, {}});
  ASSERT_EQ(s.parts.size(), 2u);
  EXPECT_EQ(s.parts[0].name, "Violin");
  EXPECT_EQ(s.parts[0].program, 40);
  EXPECT_EQ(s.parts[1].name, "Piano");
  ASSERT_EQ(s.parts[1].notes.size(), 1u);
  EXPECT_EQ(s.parts[1].notes[0].pitch, 60);
  EXPECT_DOUBLE_EQ(s.parts[1].notes[0].start, 0.25);
  EXPECT_DOUBLE_EQ(s.parts[1].notes[0].end, 0.75);
  EXPECT_EQ(s.parts[1].notes[0].velocity, 100);
  ASSERT_EQ(s.tempo_map.size(), 1u);
  EXPECT_DOUBLE_EQ(s.tempo_map[0].bpm, 90.0);
  EXPECT_EQ(to_score(g, spec, {120.0, 80, {71, 1}}).parts[0].program, 71);
  EXPECT_THROW(to_score(g, spec, {0.0, 80, {}}), EncodingError);
  EXPECT_THROW(to_score(g, spec, {120.0, 0, {}}), EncodingError);
  EXPECT_THROW(to_score(g, spec, {120.0, 80, {1}}), EncodingError);
}

}  // namespace
}  // namespace clara
