#include "core/encoding/solo_by_content.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/encoding/part_table.hpp"

namespace clara {
namespace {

// Fixtures where the answer is known: eight bars of 4/4 (32 quarters), program 0
// and no names unless a test says otherwise, as LilyPond writes them.

// A violin-like line: one note a quarter, stepping around the G4..E5 region.
Part violin_line(double mean_offset = 0) {
  Part p;
  const int shape[] = {67, 69, 71, 72, 74, 72, 71, 69};
  for (int i = 0; i < 32; ++i) {
    const int pitch = shape[i % 8] + static_cast<int>(mean_offset);
    p.notes.push_back({pitch, static_cast<double>(i), i + 0.9, 80});
  }
  return p;
}

// Right hand: a three-note chord every half note (C4 E4 G4 / D4 F4 A4).
Part piano_chords() {
  Part p;
  for (int i = 0; i < 16; ++i) {
    const int root = i % 2 == 0 ? 60 : 62;
    for (int k : {0, 4, 7}) p.notes.push_back({root + k, 2.0 * i, 2.0 * i + 2, 70});
  }
  return p;
}

// Left hand: a bass note with its octave every half note.
Part piano_bass() {
  Part p;
  for (int i = 0; i < 16; ++i) {
    const int root = i % 2 == 0 ? 36 : 43;
    p.notes.push_back({root, 2.0 * i, 2.0 * i + 2, 70});
    p.notes.push_back({root + 12, 2.0 * i, 2.0 * i + 2, 70});
  }
  return p;
}

Part merged(Part a, const Part& b) {
  a.notes.insert(a.notes.end(), b.notes.begin(), b.notes.end());
  std::sort(a.notes.begin(), a.notes.end(), [](const Note& x, const Note& y) {
    return x.start != y.start ? x.start < y.start : x.pitch < y.pitch;
  });
  return a;
}

TEST(SoloByContent, LineOverPianoChordsIsTheSolo) {
  Score s;
  s.parts = {violin_line(), piano_chords(), piano_bass()};
  const SoloDecision d = find_solo_by_content(s, {});
  EXPECT_EQ(d.solo, 0) << d.reason;
  ASSERT_EQ(d.figures.size(), 3u);
  EXPECT_DOUBLE_EQ(d.figures[0].polyphony, 0.0);
  EXPECT_DOUBLE_EQ(d.figures[1].polyphony, 1.0);
  EXPECT_EQ(d.figures[0].lowest, 67);
  EXPECT_EQ(d.figures[0].highest, 74);
  EXPECT_DOUBLE_EQ(d.figures[0].onsets_per_quarter, 1.0);  // 32 onsets over 32 quarters
  EXPECT_DOUBLE_EQ(d.figures[1].onsets_per_quarter, 0.5);
  EXPECT_NE(d.reason.find("by content: part 0"), std::string::npos) << d.reason;
}

TEST(SoloByContent, TrackOrderDoesNotMatter) {
  Score s;
  s.parts = {piano_chords(), piano_bass(), violin_line()};
  EXPECT_EQ(find_solo_by_content(s, {}).solo, 2);
  s.parts = {piano_bass(), violin_line(), piano_chords()};
  EXPECT_EQ(find_solo_by_content(s, {}).solo, 1);
}

TEST(SoloByContent, PianoAsOneTrackWithBothHands) {
  Score s;
  s.parts = {merged(piano_chords(), piano_bass()), violin_line()};
  const SoloDecision d = find_solo_by_content(s, {});
  EXPECT_EQ(d.solo, 1) << d.reason;
}

TEST(SoloByContent, OctaveDoubledLineIsStillOneLine) {
  // The vocal staves of LilyPond arias in the corpus double the line in octaves.
  Part doubled = violin_line(-7);
  Part upper = doubled;
  for (Note& n : upper.notes) n.pitch += 12;
  Score s;
  s.parts = {merged(doubled, upper), piano_chords(), piano_bass()};
  const SoloDecision d = find_solo_by_content(s, {});
  EXPECT_DOUBLE_EQ(d.figures[0].polyphony, 0.0);
  EXPECT_EQ(d.solo, 0) << d.reason;
}

TEST(SoloByContent, HeldNotesUnderNewOnsetsCountAsPolyphony) {
  // A right hand holding a long note under moving quavers is not a line.
  Part p;
  for (int bar = 0; bar < 8; ++bar) {
    p.notes.push_back({60, 4.0 * bar, 4.0 * bar + 4, 70});
    for (int k = 1; k < 8; ++k)
      p.notes.push_back({64 + k % 3, 4.0 * bar + 0.5 * k, 4.0 * bar + 0.5 * k + 0.5, 70});
  }
  const PartFigures f = part_figures(p, 0, 32);
  EXPECT_DOUBLE_EQ(f.polyphony,
                   56.0 / 64.0);  // every quaver but the downbeats sounds over the held C
}

TEST(SoloByContent, TwoLinesCloseInPitchAreAmbiguous) {
  Score s;
  s.parts = {violin_line(), violin_line(-3), piano_chords(), piano_bass()};
  const SoloDecision d = find_solo_by_content(s, {});
  EXPECT_EQ(d.solo, -1);
  EXPECT_NE(d.reason.find("both monophonic lines"), std::string::npos) << d.reason;
}

TEST(SoloByContent, LinesWithoutChordsAreNotASoloWithPiano) {
  // A duet of two lines (the corpus's horn duets, an oboe over a bass line).
  Score s;
  s.parts = {violin_line(), violin_line(-20)};
  const SoloDecision d = find_solo_by_content(s, {});
  EXPECT_EQ(d.solo, -1);
  EXPECT_NE(d.reason.find("do not sound as chords"), std::string::npos) << d.reason;
}

TEST(SoloByContent, OnlyPianoStavesHaveNoSolo) {
  // A violin sonata file holding only the piano: both hands play chords.
  Score s;
  s.parts = {piano_chords(), piano_bass()};
  const SoloDecision d = find_solo_by_content(s, {});
  EXPECT_EQ(d.solo, -1);
  EXPECT_NE(d.reason.find("no part but the lowest"), std::string::npos) << d.reason;
}

TEST(SoloByContent, ALineAtTheBottomIsTheBassNotTheSolo) {
  Part bass_line = violin_line(-30);
  Score s;
  s.parts = {piano_chords(), bass_line};
  EXPECT_EQ(find_solo_by_content(s, {}).solo, -1);
}

TEST(SoloByContent, AnUnclearPartAboveTheLineBlocksIt) {
  // Mostly single notes with some chords (polyphony between the thresholds) above the line.
  Part upper = violin_line(12);
  for (int i = 0; i < 32; i += 8)
    upper.notes.push_back(
        {upper.notes[static_cast<std::size_t>(i)].pitch + 4, static_cast<double>(i), i + 0.9, 80});
  std::sort(upper.notes.begin(), upper.notes.end(), [](const Note& x, const Note& y) {
    return x.start != y.start ? x.start < y.start : x.pitch < y.pitch;
  });
  Score s;
  s.parts = {upper, violin_line(), piano_chords(), piano_bass()};
  const SoloDecision d = find_solo_by_content(s, {});
  EXPECT_EQ(d.solo, -1);
  EXPECT_NE(d.reason.find("is not chordal"), std::string::npos) << d.reason;
}

TEST(SoloByContent, PartsNamedAsKeyboardsAreNeverTheSolo) {
  Score s;
  s.parts = {violin_line(), piano_chords(), piano_bass()};
  const SoloDecision d = find_solo_by_content(s, {false, true, true});
  EXPECT_EQ(d.solo, -1) << d.reason;
  EXPECT_FALSE(d.figures[0].may_be_solo);
}

TEST(SoloByContent, SameScoreSameDecision) {
  Score s;
  s.parts = {piano_chords(), violin_line(), piano_bass()};
  const SoloDecision a = find_solo_by_content(s, {});
  const SoloDecision b = find_solo_by_content(s, {});
  EXPECT_EQ(a.solo, b.solo);
  EXPECT_EQ(a.reason, b.reason);
}

// Through the part table, as `clara encode` uses it.

TEST(SoloByContent, SoloPianoTableFallsBackToContentWhenNamesSayNothing) {
  Score s;
  s.parts = {piano_chords(), piano_bass(), violin_line()};
  s.parts[0].name = "upper:";
  s.parts[1].name = "lower:";
  s.parts[2].program = 20;  // LilyPond's vocal staves: reed organ, a keyboard by program
  const PartAssignment a = PartTable::solo_piano().explain(s);
  EXPECT_TRUE(a.error.empty()) << a.error;
  EXPECT_EQ(a.entry, (std::vector<int>{1, 1, 0}));
  EXPECT_EQ(a.basis,
            (std::vector<PartBasis>{PartBasis::content, PartBasis::content, PartBasis::content}));
  ASSERT_TRUE(a.content.has_value());
  EXPECT_EQ(a.content->solo, 2);
  EXPECT_EQ(PartTable::solo_piano().assign(s), a.entry);
}

TEST(SoloByContent, NamesWinOverContent) {
  // Content alone would take the high unnamed line; the track named Violin wins.
  Part named = violin_line(-10);
  named.name = "Violin";
  Score s;
  s.parts = {violin_line(5), named, piano_chords(), piano_bass()};
  const PartAssignment a = PartTable::solo_piano().explain(s);
  EXPECT_TRUE(a.error.empty()) << a.error;
  EXPECT_FALSE(a.content.has_value());
  EXPECT_EQ(a.entry, (std::vector<int>{1, 0, 1, 1}));
  EXPECT_EQ(a.basis[1], PartBasis::name);
  EXPECT_EQ(a.basis[0], PartBasis::program);
  // The same with the solo recognised by program only.
  s.parts[1].name = "";
  s.parts[1].program = 40;
  const PartAssignment b = PartTable::solo_piano().explain(s);
  EXPECT_EQ(b.entry, (std::vector<int>{1, 0, 1, 1}));
  EXPECT_EQ(b.basis[1], PartBasis::program);
}

TEST(SoloByContent, UndecidedScoreIsRejectedWithTheContentReason) {
  Score s;
  s.parts = {violin_line(), violin_line(-3), piano_chords(), piano_bass()};
  const PartAssignment a = PartTable::solo_piano().explain(s);
  ASSERT_TRUE(a.content.has_value());
  EXPECT_NE(a.error.find("needs a part for 'v'"), std::string::npos) << a.error;
  EXPECT_NE(a.error.find("both monophonic lines"), std::string::npos) << a.error;
  EXPECT_THROW(PartTable::solo_piano().assign(s), PartAssignmentError);
}

TEST(SoloByContent, OtherTablesDoNotAskTheNotes) {
  Score s;
  s.parts = {violin_line(), piano_chords(), piano_bass()};
  EXPECT_FALSE(PartTable::piano().explain(s).content.has_value());
  const PartAssignment q = PartTable::string_quartet().explain(s);
  EXPECT_FALSE(q.content.has_value());
  EXPECT_FALSE(q.error.empty());
}

}  // namespace
}  // namespace clara
