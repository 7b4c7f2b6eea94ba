#include "tools/clara/labelled_corpus.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <iostream>
#include <mutex>
#include <thread>

#include "core/encoding/codec.hpp"
#include "core/midi/midi_file.hpp"
#include "tools/clara/cli.hpp"
#include "tools/clara/progress.hpp"

namespace clara::cli {
namespace fs = std::filesystem;

namespace {

std::string first_folder(const std::string& relative) {
  const auto slash = relative.find('/');
  return slash == std::string::npos ? std::string("(top)") : relative.substr(0, slash);
}

std::optional<Split> split_named(std::string_view s) {
  if (s == "train") return Split::train;
  if (s == "valid") return Split::valid;
  if (s == "test") return Split::test;
  return std::nullopt;
}

}  // namespace

LabelledCorpus labelled_corpus(const fs::path& corpus, const fs::path& generator_dir, const EncodingSpec& spec,
                               const SplitOptions& fallback, bool source_path) {
  if (!fs::is_directory(corpus)) throw NoInputError(corpus.string() + ": no such corpus folder");
  LabelledCorpus out;
  const fs::path manifest = generator_dir / "data-manifest.toml";
  if (fs::exists(manifest)) {
    toml::table t;
    try {
      t = toml::parse_file(manifest.string());
    } catch (const toml::parse_error& e) {
      throw DataError(manifest.string() + ":" + std::to_string(e.source().begin.line) + ": " +
                      std::string(e.description()));
    }
    const toml::array* files = t["files"].as_array();
    if (!files) throw DataError(manifest.string() + ": no [[files]] table");
    std::size_t row = 0;
    for (const auto& f : *files) {
      ++row;
      const toml::table* ft = f.as_table();
      const auto path = ft ? (*ft)["path"].value<std::string>() : std::nullopt;
      const auto split = ft ? (*ft)["split"].value<std::string>() : std::nullopt;
      if (!path || !split || !split_named(*split))
        throw DataError(manifest.string() + ": [[files]] entry " + std::to_string(row) +
                        " lacks a path or a split of train, valid or test");
      const auto composer = (*ft)["composer"].value<std::string>();
      out.pieces.push_back({*path, composer ? *composer : first_folder(*path), *split_named(*split)});
      out.sha256.push_back((*ft)["sha256"].value_or(std::string()));
    }
    out.manifest = manifest;
    // Named by the model, not the path: cards travel with the model folder.
    out.source = "the split of " + (source_path ? manifest.string() : generator_dir.filename().string() + "/data-manifest.toml");
  } else {
    std::vector<std::string> all;
    for (auto it = fs::recursive_directory_iterator(corpus, fs::directory_options::follow_directory_symlink);
         it != fs::recursive_directory_iterator(); ++it) {
      if (!it->is_regular_file()) continue;
      std::string ext = it->path().extension().string();
      std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
      if (ext != ".mid" && ext != ".midi") continue;
      try {
        EncodeCounts counts;
        quantise(read_midi_file(it->path()), spec, counts);
      } catch (const std::exception&) {
        continue;  // encode skips it too
      }
      all.push_back(fs::relative(it->path(), corpus).generic_string());
    }
    std::sort(all.begin(), all.end());
    const CorpusSplit split = split_corpus(all, fallback);
    for (std::size_t i = 0; i < all.size(); ++i) {
      out.pieces.push_back({all[i], first_folder(all[i]), split.splits[i]});
      out.sha256.emplace_back();
    }
    out.source = "the pieces of " + corpus.string() + " split as `clara encode --corpus` (seed " +
                 std::to_string(fallback.seed) + ")";
  }
  std::vector<std::size_t> order(out.pieces.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return out.pieces[a].path < out.pieces[b].path; });
  LabelledCorpus sorted{{}, {}, out.source, out.manifest};
  for (std::size_t i : order) sorted.pieces.push_back(out.pieces[i]), sorted.sha256.push_back(out.sha256[i]);
  out = std::move(sorted);
  if (out.pieces.empty()) throw DataError(corpus.string() + ": no MIDI pieces");
  return out;
}

std::vector<PieceTokens> encode_pieces(const fs::path& corpus, const std::vector<LabelledPiece>& pieces,
                                       const EncodingSpec& spec, const Vocabulary& vocab, int threads) {
  std::vector<std::optional<PieceTokens>> done(pieces.size());
  std::vector<std::string> errors(pieces.size());
  std::atomic<std::size_t> next{0};
  std::mutex progress_lock;
  Progress progress("encoding pieces", pieces.size(), "pieces");
  auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < pieces.size();) {
      try {
        done[i] = encode_piece(corpus, pieces[i], spec, vocab);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
      std::lock_guard<std::mutex> g(progress_lock);
      progress.advance();
    }
  };
  const int n = std::max(1, threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (int t = 1; t < n; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  progress.finish();
  std::vector<PieceTokens> out;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    if (done[i])
      out.push_back(std::move(*done[i]));
    else
      std::cerr << "skipped: " << errors[i] << "\n";
  }
  return out;
}

}  // namespace clara::cli
