#pragma once
// Interpolated modified Kneser–Ney n-gram language model (Chen & Goodman 1998): the baseline
// the LSTM's quality is measured against.
//
// Training stream: every piece is preceded by order-1 <eos> tokens (the start context) and
// followed by one <eos>, which is predicted like any other token. The highest order uses raw
// counts, lower orders continuation counts (distinct left neighbours); each order k has three
// discounts D1, D2, D3+ from its count-of-counts n1..n4 (Y = n1/(n1+2n2), Dr = r-(r+1)Y n{r+1}/nr);
// when some n1..n4 is zero or some Dr falls outside (0, r], as in tiny or synthetic corpora, that
// order uses fixed 0.5/1.0/1.5 instead (a zero discount would give unseen tokens probability 0).
//
// Stored form: per order k and history h (k-1 ids), a backoff weight gamma(h) and for each seen
// token w an interpolation term alpha(h,w) = (c - D(c)) / S(h), so that
//   p_k(w | h) = alpha(h, w) + gamma(h) * p_{k-1}(w | h minus its oldest id),
//   p_0(w) = 1 / vocab_size,
// and a history never seen at order k passes p_{k-1} through unchanged. gamma(h) is always
// 1 - sum_w alpha(h, w), which keeps every distribution normalised, also after pruning.
//
// File format (little-endian), version 1:
//   "CLARAKN\0" | u32 version | u32 order | u32 vocab_size
//   per order k = 1..order: f64 D1 | f64 D2 | f64 D3 | u64 contexts | u64 entries
//     per context: u64 history key | f64 gamma | u32 entry count
//                  entry count × { u32 token | u32 count | f64 alpha }, tokens strictly ascending
//   u64 FNV-1a hash of every byte before it.
// A history key packs the ids oldest first, 16 bits each, so order <= 5 and vocab_size <= 65536.
#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <unordered_map>
#include <vector>

namespace clara {

struct NgramEvaluation {
  std::size_t tokens = 0;     // predictions made (each piece's tokens plus its closing <eos>)
  double nll_sum = 0.0;       // natural log
  std::size_t top1_hits = 0;  // arg-max of the full distribution (lowest id on ties) was right

  double mean_nll() const { return tokens ? nll_sum / static_cast<double>(tokens) : 0.0; }
  double top1_accuracy() const { return tokens ? static_cast<double>(top1_hits) / static_cast<double>(tokens) : 0.0; }
  NgramEvaluation& operator+=(const NgramEvaluation& o);
};

class NgramModel {
 public:
  static constexpr int kMaxOrder = 5;
  static constexpr std::size_t kMaxVocab = 65536;
  static constexpr std::size_t kDefaultMaxBytes = 20'000'000;

  // Throws std::invalid_argument for an order outside [1, 5], a vocabulary outside [3, 65536]
  // (it must hold the specials) or a token id outside the vocabulary (naming piece and position).
  static NgramModel train(const std::vector<std::vector<int>>& pieces, std::size_t vocab_size, int order = 5);

  int order() const { return order_; }
  std::size_t vocab_size() const { return vocab_size_; }
  std::array<double, 3> discounts(int order) const;  // D1, D2, D3+ of order 1..order()
  std::size_t ngram_count(int order) const;          // stored (history, token) entries

  // ln p(token | context). Only the last order-1 ids of `context` matter; a shorter context
  // uses the orders it can fill (pass the <eos> start context to match training).
  double log_prob(std::span<const int> context, int token) const;
  // Writes p(w | context) for every w; out.size() must equal vocab_size().
  void distribution(std::span<const int> context, std::span<double> out) const;

  // One piece, scored as in training (start context of <eos>, closing <eos> predicted).
  NgramEvaluation evaluate(std::span<const int> piece) const;
  NgramEvaluation evaluate(const std::vector<std::vector<int>>& pieces) const;

  // Drops entries of orders >= 2, those with count <= 1 first (highest order first, down to
  // bigrams), then count <= 2, …, until serialized_size() < max_bytes or only unigrams remain.
  // Returns the number of entries dropped.
  std::size_t prune(std::size_t max_bytes = kDefaultMaxBytes);
  std::size_t serialized_size() const;

  void save(const std::filesystem::path& path) const;
  // Errors (std::runtime_error) name the file and the byte offset of the fault.
  static NgramModel load(const std::filesystem::path& path);

 private:
  struct Entry {
    std::uint32_t token;
    std::uint32_t count;
    double alpha;
  };
  struct Context {
    double gamma = 1.0;
    std::vector<Entry> entries;  // sorted by token
  };
  using Table = std::unordered_map<std::uint64_t, Context>;

  NgramModel() = default;
  void check_token(int token, const char* what) const;
  // Applies order k's context for `hist` (the k-1 most recent ids) to a full distribution.
  template <typename Fn>
  void for_each_context(std::span<const int> context, Fn&& fn) const;

  int order_ = 0;
  std::size_t vocab_size_ = 0;
  std::vector<std::array<double, 3>> discounts_;  // [k-1]
  std::vector<Table> tables_;                     // [k-1]
};

}  // namespace clara
