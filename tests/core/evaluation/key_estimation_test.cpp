#include "core/evaluation/key_estimation.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/evaluation/passage.hpp"
#include "core/midi/midi_file.hpp"

namespace clara {
namespace {

// Notes one after another, each `beats` long.
std::vector<Note> line(const std::vector<int>& pitches, double beats, double at = 0) {
  std::vector<Note> out;
  for (int p : pitches) {
    out.push_back(Note{p, at, at + beats, 80});
    at += beats;
  }
  return out;
}

// Block chords, each `beats` long.
std::vector<Note> chords(const std::vector<std::vector<int>>& cs, double beats, double at = 0) {
  std::vector<Note> out;
  for (const auto& c : cs) {
    for (int p : c) out.push_back(Note{p, at, at + beats, 80});
    at += beats;
  }
  return out;
}

std::vector<Note> join(std::vector<Note> a, const std::vector<Note>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<Note> shifted(std::vector<Note> notes, int semitones) {
  for (Note& n : notes) n.pitch += semitones;
  return notes;
}

// C major: the scale up, then I-IV-V7-I.
std::vector<Note> c_major_piece() {
  return join(
      line({60, 62, 64, 65, 67, 69, 71, 72}, 0.5),
      chords({{48, 64, 67, 72}, {53, 65, 69, 72}, {55, 65, 71, 74}, {48, 64, 67, 72}}, 1, 4));
}

// A harmonic minor: the scale up (G#), then i-iv-V-i.
std::vector<Note> a_minor_piece() {
  return join(
      line({57, 59, 60, 62, 64, 65, 68, 69}, 0.5),
      chords({{45, 60, 64, 69}, {50, 62, 65, 69}, {52, 59, 64, 68}, {45, 60, 64, 69}}, 1, 4));
}

TEST(KeyEstimation, CMajorScaleAndCadenceIsCMajor) {
  const auto k = estimate_key(c_major_piece());
  ASSERT_TRUE(k);
  EXPECT_EQ(to_string(k->key), "C major");
  EXPECT_GT(k->correlation, 0.8);
  EXPECT_EQ(k->correlations[0], k->correlation);  // C major is entry 0
}

TEST(KeyEstimation, AHarmonicMinorIsAMinor) {
  const auto k = estimate_key(a_minor_piece());
  ASSERT_TRUE(k);
  EXPECT_EQ(to_string(k->key), "A minor");
  EXPECT_EQ(k->correlations[12 + 9], k->correlation);
}

TEST(KeyEstimation, TranspositionMovesTheKeyByTheInterval) {
  for (int shift = -12; shift <= 12; ++shift) {
    for (const auto& [piece, key] : {std::pair{c_major_piece(), Key{0, KeyMode::major}},
                                     std::pair{a_minor_piece(), Key{9, KeyMode::minor}}}) {
      const auto k = estimate_key(shifted(piece, shift));
      ASSERT_TRUE(k);
      EXPECT_EQ(k->key, transposed(key, shift))
          << "shift " << shift << ": got " << to_string(k->key);
    }
  }
}

TEST(KeyEstimation, DurationWeighsThePitchClasses) {
  // Same pitch classes, different lengths: a long G and D (with B) tip C-major material to G.
  std::vector<Note> notes = line({60, 62, 64, 65, 67, 69, 71}, 0.25);
  const auto as_is = estimate_key(notes);
  ASSERT_TRUE(as_is);
  notes.push_back(Note{55, 2, 8, 80});
  notes.push_back(Note{62, 2, 6, 80});
  notes.push_back(Note{59, 2, 5, 80});
  const auto weighed = estimate_key(notes);
  ASSERT_TRUE(weighed);
  EXPECT_EQ(to_string(weighed->key), "G major");
  const auto profile = duration_profile(notes);
  EXPECT_DOUBLE_EQ(profile[7], 6.25);  // G: 0.25 + 6
  EXPECT_DOUBLE_EQ(profile[1], 0.0);
}

TEST(KeyEstimation, NoKeyWithoutNotesOrForAFlatProfile) {
  EXPECT_FALSE(estimate_key(std::vector<Note>{}));
  std::vector<Note> chromatic = line({60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71}, 1.0 / 3);
  EXPECT_FALSE(estimate_key(chromatic));
  chromatic.push_back(Note{60, 4, 5, 80});
  EXPECT_TRUE(estimate_key(chromatic));
}

TEST(KeyEstimation, ClosedRelatedKeysAreTheSixOfOneAccidental) {
  const auto related_to = [](Key k) {
    std::vector<std::string> out;
    for (int m = 0; m < 2; ++m)
      for (int t = 0; t < 12; ++t) {
        const Key other{t, m == 0 ? KeyMode::major : KeyMode::minor};
        if (same_or_closely_related(k, other)) out.push_back(to_string(other));
      }
    return out;
  };
  EXPECT_EQ(
      related_to(Key{0, KeyMode::major}),
      (std::vector<std::string>{"C major", "F major", "G major", "D minor", "E minor", "A minor"}));
  EXPECT_EQ(
      related_to(Key{9, KeyMode::minor}),
      (std::vector<std::string>{"C major", "F major", "G major", "D minor", "E minor", "A minor"}));
  // D minor (one flat): F, Bb, C major; D, G, A minor.
  EXPECT_EQ(related_to(Key{2, KeyMode::minor}),
            (std::vector<std::string>{"C major", "F major", "A# major", "D minor", "G minor",
                                      "A minor"}));
  // Across the circle's seam: B major (5 sharps) and F# major (6).
  EXPECT_TRUE(same_or_closely_related(Key{11, KeyMode::major}, Key{6, KeyMode::major}));
  EXPECT_TRUE(
      same_or_closely_related(Key{6, KeyMode::major}, Key{1, KeyMode::major}));  // F# / C# (Db)
  // The parallel minor is three accidentals away.
  EXPECT_FALSE(same_or_closely_related(Key{0, KeyMode::major}, Key{0, KeyMode::minor}));
  for (int a = 0; a < 24; ++a)
    for (int b = 0; b < 24; ++b) {
      const Key ka{a % 12, a < 12 ? KeyMode::major : KeyMode::minor};
      const Key kb{b % 12, b < 12 ? KeyMode::major : KeyMode::minor};
      EXPECT_EQ(same_or_closely_related(ka, kb), same_or_closely_related(kb, ka));
    }
}

TEST(KeyEstimation, FifthsPositions) {
  EXPECT_EQ(fifths_position(Key{0, KeyMode::major}), 0);
  EXPECT_EQ(fifths_position(Key{9, KeyMode::minor}), 0);
  EXPECT_EQ(fifths_position(Key{7, KeyMode::major}), 1);
  EXPECT_EQ(fifths_position(Key{4, KeyMode::minor}), 1);
  EXPECT_EQ(fifths_position(Key{5, KeyMode::major}), 11);
  EXPECT_EQ(fifths_position(Key{2, KeyMode::minor}), 11);
  EXPECT_EQ(fifths_position(Key{6, KeyMode::major}), 6);
}

TEST(KeyEstimation, ShippedSampleIsInDMinor) {
  // Bach's Aria BWV 515 from the Anna Magdalena notebook: its MIDI file's key signature
  // meta event (both staves) says D minor.
  const std::string path =
      std::string(CLARA_TEST_DATA) + "/../../tools/samples/anna-magdalena-20a.mid";
  const Score score = read_midi_file(path);
  const auto notes = all_notes(score);
  ASSERT_EQ(notes.size(), 97u);  // as SOURCES.tsv counts them
  const auto k = estimate_key(notes);
  ASSERT_TRUE(k);
  EXPECT_EQ(to_string(k->key), "D minor");
  // Its first four bars (3/4: 12 beats) too.
  const auto opening = estimate_key(passage(notes, 0, 12));
  ASSERT_TRUE(opening);
  EXPECT_TRUE(same_or_closely_related(opening->key, Key{2, KeyMode::minor}))
      << to_string(opening->key);
}

}  // namespace
}  // namespace clara
