#include "core/encoding/chordwise_codec.hpp"

#include <gtest/gtest.h>

#include <random>

namespace clara {
namespace {

const EncodingSpec kSpec = EncodingSpec::defaults(Encoding::chordwise);

// "p" followed by 62 characters with '1' at the given indices.
std::string chord(std::vector<int> onsets, const std::string& prefix = "p") {
  std::string s(62, '0');
  for (int i : onsets) s[static_cast<std::size_t>(i)] = '1';
  return prefix + s;
}
std::string rest(char letter, const std::string& prefix = "p") { return prefix + std::string(62, letter); }

GridPiece grid(int parts, std::vector<GridNote> notes) {
  GridPiece g;
  g.parts = parts;
  g.notes = std::move(notes);
  std::size_t merged = 0;
  normalise(g, merged);
  return g;
}

TEST(ChordwiseCodec, OneTokenPerStepWithOnsetsOnlyAndRestLetters) {
  // C major triad held 3 steps, a single note at step 4.
  const GridPiece g = grid(1, {{0, 27, 0, 3}, {0, 31, 0, 3}, {0, 34, 0, 3}, {0, 39, 4, 1}});
  const std::vector<std::string> expected{chord({27, 31, 34}), rest('d'), rest('d'), rest('d'),
                                          chord({39})};
  EXPECT_EQ(encode_chordwise(g, kSpec), expected);
}

TEST(ChordwiseCodec, RestLetterCountsOnsetsInThePreviousTenTokensOnly) {
  const GridPiece g = grid(1, {{0, 0, 0, 1}, {0, 1, 0, 1}, {0, 5, 12, 1}});
  const std::vector<std::string> tokens = encode_chordwise(g, kSpec);
  ASSERT_EQ(tokens.size(), 13u);
  for (int t = 1; t <= 10; ++t) EXPECT_EQ(tokens[static_cast<std::size_t>(t)], rest('c')) << t;
  EXPECT_EQ(tokens[11], rest('a'));  // the chord at step 0 has left the window
  EXPECT_EQ(tokens[12], chord({5}));
}

TEST(ChordwiseCodec, RestLettersKeepUpperCaseAndCapAt51) {
  EXPECT_EQ(rest_letter(0), 'a');
  EXPECT_EQ(rest_letter(25), 'z');
  EXPECT_EQ(rest_letter(26), 'A');
  EXPECT_EQ(rest_letter(51), 'Z');
  EXPECT_EQ(rest_letter(400), 'Z');
  std::vector<GridNote> notes;
  for (int i = 0; i < 60; ++i) notes.push_back({0, i, 0, 1});
  notes.push_back({0, 0, 2, 1});
  const std::vector<std::string> tokens = encode_chordwise(grid(1, notes), kSpec);
  EXPECT_EQ(tokens.at(1), rest('Z'));
}

TEST(ChordwiseCodec, TwoPartsAlternateInTableOrder) {
  const EncodingSpec spec{Encoding::chordwise, 4, NoteRange::standard(), PartTable::solo_piano()};
  const GridPiece g = grid(2, {{1, 3, 0, 1}, {0, 30, 1, 1}});
  const std::vector<std::string> expected{rest('a', "v"), chord({3}), chord({30}, "v"), rest('c')};
  const std::vector<std::string> tokens = encode_chordwise(g, spec);
  EXPECT_EQ(tokens, expected);
  DecodeCounts c;
  const GridPiece back = decode_chordwise(tokens, spec, c);
  EXPECT_EQ(back.notes, (std::vector<GridNote>{{1, 3, 0, 2}, {0, 30, 1, 2}}));
}

TEST(ChordwiseCodec, DecodeGivesTwoStepNotesAndCutsReStrikes) {
  const std::vector<std::string> tokens{chord({10, 20}), chord({10}), rest('b'), rest('b'), chord({20})};
  DecodeCounts c;
  const GridPiece g = decode_chordwise(tokens, kSpec, c);
  EXPECT_EQ(g.notes, (std::vector<GridNote>{{0, 10, 0, 1}, {0, 20, 0, 2}, {0, 10, 1, 2}, {0, 20, 4, 2}}));
  EXPECT_EQ(g.steps, 6);
}

TEST(ChordwiseCodec, UnknownChordAdvancesTimeJunkDoesNot) {
  const std::vector<std::string> tokens{"<unk>", "", "p0101", chord({7}) + "0", "q" + chord({1}).substr(1),
                                        "<eos>", "pab" + std::string(60, 'a'), chord({7})};
  DecodeCounts c;
  const GridPiece g = decode_chordwise(tokens, kSpec, c);
  EXPECT_EQ(g.notes, (std::vector<GridNote>{{0, 7, 1, 2}}));
  EXPECT_EQ(c.invalid, 4u);
  EXPECT_EQ(c.skipped, 2u);
}

TEST(ChordwiseCodec, VocabularyIsBuiltFromTrainingCountsAndUnseenChordsAreUnk) {
  TokenCounts counts;
  const std::vector<std::string> train{chord({1}), chord({1}), rest('a'), chord({2}), chord({1})};
  count_tokens(train, counts);
  const Vocabulary v = chordwise_vocabulary(counts);
  ASSERT_EQ(v.size(), 3u + 3);
  EXPECT_EQ(v.token(3), chord({1}));  // most frequent first
  EXPECT_EQ(v.id(chord({3, 4})), Vocabulary::kUnk);
  EXPECT_NE(v.id(chord({2})), Vocabulary::kUnk);
  const Vocabulary frequent = chordwise_vocabulary(counts, 2);
  EXPECT_EQ(frequent.size(), 4u);
  EXPECT_EQ(frequent.id(chord({2})), Vocabulary::kUnk);
}

TEST(ChordwiseCodec, OnsetsRoundTripOnRandomPieces) {
  std::mt19937 rng(99);
  for (int trial = 0; trial < 500; ++trial) {
    std::vector<GridNote> notes;
    const int n = std::uniform_int_distribution<int>(0, 60)(rng);
    for (int k = 0; k < n; ++k)
      notes.push_back({0, std::uniform_int_distribution<int>(0, 61)(rng),
                       std::uniform_int_distribution<int>(0, 80)(rng), 1});
    const GridPiece g = grid(1, notes);
    DecodeCounts c;
    const GridPiece back = decode_chordwise(encode_chordwise(g, kSpec), kSpec, c);
    ASSERT_EQ(back.notes.size(), g.notes.size());
    for (std::size_t i = 0; i < g.notes.size(); ++i) {
      EXPECT_EQ(back.notes[i].start, g.notes[i].start);
      EXPECT_EQ(back.notes[i].index, g.notes[i].index);
    }
  }
}

}  // namespace
}  // namespace clara
