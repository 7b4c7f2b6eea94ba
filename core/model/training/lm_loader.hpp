#pragma once
// Language-model batches the way fastai 0.7's LanguageModelLoader cuts them (SPEC §4):
// the whole token stream is split into `batch_size` parallel columns; each batch takes
// the next L rows, L = max(5, round(N(mu, 5))) with mu = bptt, or bptt/2 with
// probability 0.05. Targets are the inputs shifted by one row. Deterministic from the
// seed, and its position and random state can be saved and restored for --resume.
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "core/encoding/vocabulary.hpp"

namespace clara::model {

struct LmBatch {
  std::int64_t rows = 0, columns = 0;
  std::vector<std::int64_t> input, target;  // rows x columns, row-major (time-major)
};

class LmLoader {
 public:
  LmLoader(const std::vector<int>& stream, std::int64_t batch_size, std::int64_t bptt, std::uint64_t seed);

  // Next batch of this epoch; false (and `out` untouched) when the epoch is over.
  bool next(LmBatch& out);
  void start_epoch() { position_ = 0; }

  std::int64_t columns() const { return columns_; }
  std::int64_t rows() const { return rows_; }  // time steps per column
  std::int64_t position() const { return position_; }
  // What the LR schedule plans with: rows / bptt, at least 1.
  std::int64_t batches_per_epoch_estimate() const;

  std::string save_state() const;
  void restore_state(const std::string& state);  // throws std::invalid_argument

 private:
  double normal(double mean, double sd);
  std::vector<int> data_;  // rows_ x columns_, row-major
  std::int64_t columns_ = 0, rows_ = 0, bptt_ = 0, position_ = 0;
  std::mt19937_64 rng_;
};

// One piece per line, tokens separated by spaces; <eos> appended after each line.
// Unknown tokens map to <unk>. Throws std::runtime_error naming the file when unreadable.
std::vector<int> read_token_file(const std::filesystem::path& path, const Vocabulary& vocab);

}  // namespace clara::model
