#include "core/evaluation/classifier_data.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/encoding/notewise_codec.hpp"

namespace clara {
namespace {

const std::filesystem::path kCorpus = std::filesystem::path(CLARA_TEST_DATA) / "mini_corpus";

TEST(ChooseClasses, TakesTheLabelsWithTheMostPiecesTiesByName) {
  const ClassChoice c = choose_classes({{"Bach", 278}, {"Chopin", 45}, {"Beethoven", 45}, {"Alkan", 3}}, 3, false);
  EXPECT_EQ(c.classes, (std::vector<std::string>{"Bach", "Beethoven", "Chopin"}));
  EXPECT_EQ(c.excluded, (std::vector<std::string>{"Alkan"}));
  EXPECT_EQ(c.class_of("Chopin"), 2);
  EXPECT_EQ(c.class_of("Alkan"), -1);
}

TEST(ChooseClasses, GroupsTheRestAsOther) {
  const ClassChoice c = choose_classes({{"A", 5}, {"B", 4}, {"C", 1}, {"D", 1}}, 2, true);
  EXPECT_EQ(c.classes, (std::vector<std::string>{"A", "B", "other"}));
  EXPECT_TRUE(c.excluded.empty());
  EXPECT_EQ(c.class_of("C"), 2);
  EXPECT_EQ(c.class_of("D"), 2);
  EXPECT_EQ(c.class_of("A"), 0);
  EXPECT_THROW(choose_classes({{"A", 5}}, 2, false), std::invalid_argument);
  EXPECT_THROW(choose_classes({{"A", 5}, {"B", 1}}, 1, false), std::invalid_argument);
}

PieceTokens line_piece(std::string path, std::string label, Split split, std::vector<std::vector<int>> keys) {
  return PieceTokens{{std::move(path), std::move(label), split}, std::move(keys)};
}

TEST(CutChunks, NonOverlappingWindowsWithoutTheLinesEdgesOfOneSplit) {
  std::vector<int> line(23);
  for (int i = 0; i < 23; ++i) line[static_cast<std::size_t>(i)] = i;
  const std::vector<PieceTokens> pieces{line_piece("a.mid", "A", Split::train, {line, line}),
                                        line_piece("b.mid", "B", Split::test, {line}),
                                        line_piece("c.mid", "C", Split::train, {line})};
  const ClassChoice c = choose_classes({{"A", 1}, {"B", 1}}, 2, false);  // C excluded
  const auto chunks = cut_chunks(pieces, Split::train, 5, c);
  // 23 tokens, first and last dropped: 21 -> 4 windows of 5 per line, two lines of a.mid.
  ASSERT_EQ(chunks.size(), 8u);
  for (const auto& ch : chunks) {
    EXPECT_EQ(ch.piece, 0u);
    EXPECT_EQ(ch.label, 0);
    EXPECT_GE(ch.offset, 1u);
    EXPECT_LE(ch.offset + 5, 22u);
  }
  EXPECT_EQ(chunk_tokens(pieces, chunks[1], 5), (std::vector<int>{6, 7, 8, 9, 10}));
  const auto test = cut_chunks(pieces, Split::test, 5, c);
  ASSERT_EQ(test.size(), 4u);
  EXPECT_EQ(test.front().label, 1);
  EXPECT_TRUE(cut_chunks(pieces, Split::valid, 5, c).empty());
  EXPECT_TRUE(cut_chunks(pieces, Split::train, 22, c).empty());  // too short once the edges go
}

TEST(BalancedDraw, EveryClassAboutEquallyOftenWhateverItsSize) {
  std::vector<ChunkRef> chunks;
  for (std::uint32_t i = 0; i < 900; ++i) chunks.push_back({i, 0, 0, 0});  // a swamping class
  for (std::uint32_t i = 0; i < 10; ++i) chunks.push_back({i, 0, 0, 1});
  for (std::uint32_t i = 0; i < 90; ++i) chunks.push_back({i, 0, 0, 2});
  const auto draw = balanced_draw(chunks, 4, 30000, 7);  // class 3 has no chunk: skipped
  const auto n = chunks_per_class(draw, 4);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(static_cast<double>(n[static_cast<std::size_t>(c)]), 10000.0, 400.0) << c;
  EXPECT_EQ(n[3], 0u);
  const auto again = balanced_draw(chunks, 4, 30000, 7);
  EXPECT_TRUE(std::equal(draw.begin(), draw.end(), again.begin(), [](const ChunkRef& a, const ChunkRef& b) {
    return a.piece == b.piece && a.label == b.label;
  }));
}

// The split is by piece: no chunk of a test piece, in any key, is in the training chunks.
// Checked on the content, through the real reading path, for every transposition.
TEST(ClassifierSplit, NoTestPieceReachesTrainingInAnyKey) {
  EncodingSpec spec;
  const Vocabulary vocab = notewise_vocabulary(spec);
  std::vector<LabelledPiece> listed{{"Bach/BWV-510.mid", "Bach", Split::train},
                                    {"Bach/BWV-511.mid", "Bach", Split::test},
                                    {"Czerny/Czerny_Op_821_No_002.mid", "Czerny", Split::train},
                                    {"Czerny/Czerny_Op_821_No_007.mid", "Czerny", Split::test}};
  std::vector<PieceTokens> pieces;
  for (const auto& p : listed) pieces.push_back(encode_piece(kCorpus, p, spec, vocab));
  EXPECT_EQ(pieces[0].keys.size(), 12u);  // train: 12 keys
  EXPECT_EQ(pieces[1].keys.size(), 1u);   // test: its own key only
  const ClassChoice c = choose_classes({{"Bach", 1}, {"Czerny", 1}}, 2, false);
  const std::size_t length = 32;
  const auto train = cut_chunks(pieces, Split::train, length, c);
  const auto test = cut_chunks(pieces, Split::test, length, c);
  ASSERT_FALSE(train.empty());
  ASSERT_FALSE(test.empty());
  std::set<std::string> train_paths, test_paths;
  for (const auto& ch : train) train_paths.insert(pieces[ch.piece].piece.path);
  for (const auto& ch : test) test_paths.insert(pieces[ch.piece].piece.path);
  for (const auto& p : test_paths) EXPECT_EQ(train_paths.count(p), 0u) << p;

  // Every training token stream, joined; then each test chunk in each of its 12 keys
  // (re-encoded from the test piece transposed) must not occur in it.
  std::vector<std::vector<int>> train_lines;
  for (const auto& ch : train) train_lines.push_back(chunk_tokens(pieces, ch, length));
  std::set<std::vector<int>> train_set(train_lines.begin(), train_lines.end());
  for (std::size_t t : {std::size_t{1}, std::size_t{3}}) {
    LabelledPiece as_train = listed[t];
    as_train.split = Split::train;  // all 12 keys of the held-out piece
    const PieceTokens all_keys = encode_piece(kCorpus, as_train, spec, vocab);
    for (const auto& line : all_keys.keys)
      for (std::size_t off = 1; off + length <= line.size(); off += 7)
        EXPECT_EQ(train_set.count(std::vector<int>(line.begin() + static_cast<std::ptrdiff_t>(off),
                                                   line.begin() + static_cast<std::ptrdiff_t>(off + length))),
                  0u)
            << listed[t].path << " at " << off;
  }
  // The check can fail: a training piece's own windows are found.
  const auto& own = pieces[0].keys[3];
  EXPECT_EQ(train_set.count(std::vector<int>(own.begin() + 1, own.begin() + 1 + static_cast<std::ptrdiff_t>(length))), 1u);
}

TEST(EncodePiece, NamesTheFileItCannotRead) {
  EncodingSpec spec;
  const Vocabulary vocab = notewise_vocabulary(spec);
  try {
    encode_piece(kCorpus, {"Broken/truncated.mid", "Broken", Split::test}, spec, vocab);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("truncated.mid"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace clara
