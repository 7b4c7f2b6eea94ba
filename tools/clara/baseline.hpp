#pragma once
// The model folder's yardstick: an interpolated Kneser-Ney 5-gram trained on the
// same training split, pruned under a size budget and stored as baseline.ngram
// (listed in SHA256SUMS), so `clara eval-lm` needs nothing but the folder.
#include <cstddef>
#include <filesystem>

namespace clara::cli {

struct BaselineSummary {
  std::size_t train_tokens = 0;
  std::size_t bytes = 0;
  double seconds = 0;
};

BaselineSummary build_baseline(const std::filesystem::path& data_dir, const std::filesystem::path& model_dir,
                               std::size_t max_bytes = 20'000'000);

}  // namespace clara::cli
