#include "tools/clara/baseline.hpp"

#include <chrono>

#include "core/model/files/model_files.hpp"
#include "core/generation/ngram_model.hpp"
#include "core/encoding/vocabulary.hpp"
#include "tools/clara/cli.hpp"
#include "tools/clara/token_io.hpp"

namespace clara::cli {
namespace fs = std::filesystem;

BaselineSummary build_baseline(const fs::path& data_dir, const fs::path& model_dir, std::size_t max_bytes) {
  auto t0 = std::chrono::steady_clock::now();
  // The model's own vocabulary, so ids agree with the network's.
  const Vocabulary vocab = Vocabulary::load(model_dir / "vocab.txt");
  std::vector<std::vector<int>> pieces;
  BaselineSummary s;
  for (const auto& line : read_token_lines((data_dir / "train.txt").string())) {
    std::vector<int> ids;
    ids.reserve(line.size());
    for (const auto& t : line) ids.push_back(vocab.id(t));
    s.train_tokens += ids.size();
    pieces.push_back(std::move(ids));
  }
  if (pieces.empty()) throw DataError((data_dir / "train.txt").string() + ": no tokens");
  NgramModel kn = NgramModel::train(pieces, vocab.size(), 5);
  pieces.clear();
  pieces.shrink_to_fit();
  kn.prune(max_bytes);
  kn.save(model_dir / "baseline.ngram");
  model::write_sha256sums(model_dir);
  s.bytes = fs::file_size(model_dir / "baseline.ngram");
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

}  // namespace clara::cli
