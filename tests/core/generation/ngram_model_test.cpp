#include "core/generation/ngram_model.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <random>

#include "core/encoding/vocabulary.hpp"

namespace clara {
namespace {

constexpr int kEos = Vocabulary::kEos;

std::filesystem::path temp_file(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("clara_ngram_" + name + "_" + std::to_string(::getpid()));
}

// A seeded "melody": mostly a repeating figure with random substitutions.
std::vector<std::vector<int>> random_pieces(std::uint64_t seed, int pieces, int length, int vocab) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<int>> out;
  for (int p = 0; p < pieces; ++p) {
    std::vector<int> piece;
    for (int i = 0; i < length; ++i) {
      int t = 3 + (i % 7);
      if (rng() % 4 == 0) t = 3 + static_cast<int>(rng() % static_cast<std::uint64_t>(vocab - 3));
      piece.push_back(t);
    }
    out.push_back(piece);
  }
  return out;
}

double mass(const NgramModel& m, std::vector<int> context) {
  std::vector<double> dist(m.vocab_size());
  m.distribution(context, dist);
  double sum = 0;
  for (std::size_t w = 0; w < dist.size(); ++w) {
    sum += dist[w];
    EXPECT_GT(dist[w], 0.0);
    EXPECT_NEAR(std::log(dist[w]), m.log_prob(context, static_cast<int>(w)), 1e-12);
  }
  return sum;
}

TEST(NgramModel, DistributionsSumToOne) {
  auto pieces = random_pieces(1, 20, 200, 20);
  NgramModel m = NgramModel::train(pieces, 20, 5);
  for (auto ctx : std::vector<std::vector<int>>{{}, {kEos}, {kEos, kEos, kEos, kEos}, {3, 4, 5, 6}, {9, 3, 4},
                                                {19, 18, 17, 16}, {0, 1, 2, 0}, {5, 6, 7, 8, 9, 3}})
    EXPECT_NEAR(mass(m, ctx), 1.0, 1e-9);
}

TEST(NgramModel, UnigramMatchesModifiedKneserNeyByHand) {
  // Order 1 uses raw counts. Vocabulary: 3 specials + a b c d e (ids 3..7), one piece.
  // Counts: a 1, b 1, c 2, d 3, e 4, closing <eos> 1 -> n1 = 3, n2 = 1, n3 = 1, n4 = 1, total 12.
  NgramModel m = NgramModel::train({{3, 4, 5, 5, 6, 6, 6, 7, 7, 7, 7}}, 8, 1);
  const double y = 3.0 / (3.0 + 2.0 * 1.0);
  const double d1 = 1 - 2 * y * 1.0 / 3.0, d2 = 2 - 3 * y * 1.0 / 1.0, d3 = 3 - 4 * y * 1.0 / 1.0;
  auto d = m.discounts(1);
  EXPECT_NEAR(d[0], d1, 1e-12);
  EXPECT_NEAR(d[1], d2, 1e-12);
  EXPECT_NEAR(d[2], d3, 1e-12);
  const double gamma = (3 * d1 + 1 * d2 + 2 * d3) / 12.0;  // a, b, eos: D1; c: D2; d, e: D3+
  EXPECT_NEAR(std::exp(m.log_prob({}, 7)), (4 - d3) / 12.0 + gamma / 8.0, 1e-12);
  EXPECT_NEAR(std::exp(m.log_prob({}, 5)), (2 - d2) / 12.0 + gamma / 8.0, 1e-12);
  EXPECT_NEAR(std::exp(m.log_prob({}, kEos)), (1 - d1) / 12.0 + gamma / 8.0, 1e-12);
  EXPECT_NEAR(std::exp(m.log_prob({}, Vocabulary::kUnk)), gamma / 8.0, 1e-12);
}

TEST(NgramModel, BigramMatchesInterpolatedKneserNeyByHand) {
  // Vocabulary: specials + a=3 b=4 c=5 (size 6). Pieces "a b a b" and "a c".
  // Bigrams (start context <eos>): (eos,a) 2, (a,b) 2, (b,a) 1, (b,eos) 1, (a,c) 1, (c,eos) 1.
  // Continuation counts: a <- {eos, b} = 2, b <- {a} = 1, c <- {a} = 1, eos <- {b, c} = 2.
  // Both orders have n3 = 0, so the fallback discounts D1 = 0.5, D2 = 1 apply.
  NgramModel m = NgramModel::train({{3, 4, 3, 4}, {3, 5}}, 6, 2);
  auto p = [&m](std::vector<int> context, int w) { return std::exp(m.log_prob(context, w)); };
  EXPECT_EQ(m.discounts(2)[0], 0.5);
  EXPECT_EQ(m.discounts(1)[1], 1.0);
  const double V = 6;
  const double g1 = (2 * 0.5 + 2 * 1.0) / 6.0;  // two counts of 1, two of 2, total 6
  auto p1 = [&](double c, double d) { return (c - d) / 6.0 + g1 / V; };
  const double p1_a = p1(2, 1.0), p1_b = p1(1, 0.5), p1_c = p1(1, 0.5), p1_unk = g1 / V;
  // History a: (a,b) 2, (a,c) 1, total 3.
  const double ga = (1.0 + 0.5) / 3.0;
  EXPECT_NEAR(p({3}, 4), (2 - 1.0) / 3.0 + ga * p1_b, 1e-12);
  EXPECT_NEAR(p({3}, 5), (1 - 0.5) / 3.0 + ga * p1_c, 1e-12);
  EXPECT_NEAR(p({3}, 3), ga * p1_a, 1e-12);
  EXPECT_NEAR(p({3}, Vocabulary::kPad), ga * p1_unk, 1e-12);
  // History c was never a context at order 2... it was: (c,eos) 1, total 1.
  const double gc = 0.5 / 1.0;
  EXPECT_NEAR(p({5}, kEos), (1 - 0.5) / 1.0 + gc * p1(2, 1.0), 1e-12);
  // History <pad> never seen: the unigram passes through.
  EXPECT_NEAR(p({Vocabulary::kPad}, 3), p1_a, 1e-12);
  EXPECT_NEAR(std::exp(m.log_prob({}, 3)), p1_a, 1e-12);
}

TEST(NgramModel, RepetitiveSequenceBeatsUniform) {
  std::vector<int> figure;
  for (int r = 0; r < 50; ++r)
    for (int t : {3, 5, 7, 5, 4, 6}) figure.push_back(t);
  NgramModel m = NgramModel::train({figure, figure}, 12, 5);
  NgramEvaluation e = m.evaluate(std::span<const int>(figure));
  EXPECT_EQ(e.tokens, figure.size() + 1);
  const double uniform_nll = std::log(12.0);
  EXPECT_LT(e.mean_nll(), 0.25 * uniform_nll);
  EXPECT_GT(e.top1_accuracy(), 0.95);
  // An unrelated sequence scores worse than the one it learned.
  std::vector<int> other{8, 9, 10, 11, 8, 9, 10, 11};
  EXPECT_GT(m.evaluate(std::span<const int>(other)).mean_nll(), e.mean_nll());
}

TEST(NgramModel, EvaluateAgreesWithLogProb) {
  auto pieces = random_pieces(2, 5, 100, 15);
  NgramModel m = NgramModel::train(pieces, 15, 3);
  const auto& piece = pieces[0];
  std::vector<int> stream{kEos, kEos};
  stream.insert(stream.end(), piece.begin(), piece.end());
  stream.push_back(kEos);
  double nll = 0;
  for (std::size_t i = 2; i < stream.size(); ++i)
    nll -= m.log_prob(std::span<const int>(stream).subspan(i - 2, 2), stream[i]);
  NgramEvaluation e = m.evaluate(std::span<const int>(piece));
  EXPECT_NEAR(e.nll_sum, nll, 1e-9);
  EXPECT_EQ(e.tokens, piece.size() + 1);
  NgramEvaluation both = m.evaluate(std::vector<std::vector<int>>{piece, piece});
  EXPECT_EQ(both.tokens, 2 * e.tokens);
  EXPECT_EQ(both.top1_hits, 2 * e.top1_hits);
}

TEST(NgramModel, RejectsBadArguments) {
  EXPECT_THROW(NgramModel::train({{3}}, 5, 0), std::invalid_argument);
  EXPECT_THROW(NgramModel::train({{3}}, 5, 6), std::invalid_argument);
  EXPECT_THROW(NgramModel::train({{3}}, 2, 3), std::invalid_argument);
  EXPECT_THROW(NgramModel::train({{3}}, 70000, 3), std::invalid_argument);
  try {
    NgramModel::train({{3, 4}, {3, 9}}, 5, 3);
    ADD_FAILURE() << "bad token accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("piece 1, position 1"), std::string::npos) << e.what();
  }
  NgramModel m = NgramModel::train({{3, 4}}, 5, 3);
  EXPECT_THROW(m.log_prob({}, 5), std::invalid_argument);
  EXPECT_THROW(m.log_prob(std::vector<int>{-1}, 3), std::invalid_argument);
  std::vector<double> small(4);
  EXPECT_THROW(m.distribution({}, small), std::invalid_argument);
  EXPECT_THROW(m.evaluate(std::vector<int>{3, 7}), std::invalid_argument);
}

TEST(NgramModel, SaveLoadRoundTrips) {
  auto pieces = random_pieces(3, 10, 150, 30);
  NgramModel m = NgramModel::train(pieces, 30, 4);
  auto path = temp_file("roundtrip");
  m.save(path);
  EXPECT_EQ(std::filesystem::file_size(path), m.serialized_size());
  NgramModel back = NgramModel::load(path);
  EXPECT_EQ(back.order(), 4);
  EXPECT_EQ(back.vocab_size(), 30u);
  for (auto ctx : std::vector<std::vector<int>>{{}, {kEos, kEos, kEos}, {3, 4, 5}, {12, 29, 7}})
    for (int w = 0; w < 30; ++w) ASSERT_EQ(m.log_prob(ctx, w), back.log_prob(ctx, w));
  std::filesystem::remove(path);
}

std::vector<char> read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
void write_all(const std::filesystem::path& p, const std::vector<char>& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TEST(NgramModel, RejectsTruncatedAndCorruptedFiles) {
  NgramModel m = NgramModel::train(random_pieces(4, 3, 60, 10), 10, 3);
  auto good = temp_file("good"), bad = temp_file("bad");
  m.save(good);
  const auto bytes = read_all(good);
  auto expect_rejected = [&](const std::vector<char>& b, const std::string& needle) {
    write_all(bad, b);
    try {
      NgramModel::load(bad);
      ADD_FAILURE() << "accepted: " << needle;
    } catch (const std::runtime_error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(bad.string()), std::string::npos) << msg;
      EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    }
  };
  // Every truncation point fails cleanly.
  for (std::size_t n = 0; n < bytes.size(); n += 1 + bytes.size() / 150)
    expect_rejected(std::vector<char>(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n)), "byte offset");
  expect_rejected(std::vector<char>(bytes.begin(), bytes.end() - 1), "truncated");
  auto magic = bytes;
  magic[0] = 'X';
  expect_rejected(magic, "bad magic");
  auto version = bytes;
  version[8] = 9;
  expect_rejected(version, "version 9");
  auto trailing = bytes;
  trailing.push_back(0);
  expect_rejected(trailing, "trailing");
  // Single-byte flips anywhere are caught, by a structural check or by the checksum.
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 200; ++trial) {
    const std::size_t i = rng() % bytes.size();
    auto flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ static_cast<char>(1 + rng() % 255));
    expect_rejected(flipped, "byte offset");
  }
  EXPECT_THROW(NgramModel::load(temp_file("missing")), std::runtime_error);
  std::filesystem::remove(good);
  std::filesystem::remove(bad);
}

TEST(NgramModel, PruningShrinksAndStaysNormalised) {
  auto pieces = random_pieces(6, 30, 300, 40);
  NgramModel m = NgramModel::train(pieces, 40, 5);
  const std::size_t before = m.serialized_size();
  const std::size_t top_before = m.ngram_count(5), bigrams_before = m.ngram_count(2);
  const std::size_t budget = before / 2;
  const std::size_t dropped = m.prune(budget);
  EXPECT_GT(dropped, 0u);
  EXPECT_LT(m.serialized_size(), budget);
  EXPECT_LT(m.ngram_count(5), top_before);
  EXPECT_EQ(m.ngram_count(2), bigrams_before);  // count-1 5-grams alone were enough here
  for (auto ctx : std::vector<std::vector<int>>{{}, {kEos, kEos, kEos, kEos}, {3, 4, 5, 6}, {7, 8, 9, 3}, {39, 38, 37, 36}})
    EXPECT_NEAR(mass(m, ctx), 1.0, 1e-9);
  // Held-out quality degrades gracefully rather than collapsing.
  auto held_out = random_pieces(7, 3, 300, 40);
  NgramModel full = NgramModel::train(pieces, 40, 5);
  EXPECT_LT(m.evaluate(held_out).mean_nll(), std::log(40.0));
  EXPECT_NEAR(m.evaluate(held_out).mean_nll(), full.evaluate(held_out).mean_nll(), 0.5);
  // A budget that cannot be met leaves only unigrams, still normalised; saved size matches.
  m.prune(1);
  for (int k = 2; k <= 5; ++k) EXPECT_EQ(m.ngram_count(k), 0u);
  EXPECT_NEAR(mass(m, {3, 4, 5, 6}), 1.0, 1e-9);
  auto path = temp_file("pruned");
  m.save(path);
  EXPECT_EQ(std::filesystem::file_size(path), m.serialized_size());
  EXPECT_NO_THROW(NgramModel::load(path));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace clara
