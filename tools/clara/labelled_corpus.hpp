#pragma once
// A corpus as the judging models and the held-out experiments read it (`clara train-composer`,
// `train-critic`, `evaluate`, `coherence`): every piece with its composer (its folder) and the
// split the generator's data manifest gave it, and the pieces encoded with the generator's
// spec. Torch-free.
#include <filesystem>
#include <string>
#include <vector>

#include "core/encoding/encoding_spec.hpp"
#include "core/encoding/split.hpp"
#include "core/encoding/vocabulary.hpp"
#include "core/evaluation/classifier_data.hpp"

namespace clara::cli {

struct LabelledCorpus {
  std::vector<LabelledPiece> pieces;  // sorted by path
  std::vector<std::string> sha256;    // per piece: the manifest's sum of the file, "" without one
  std::string source;                 // where the split came from, for reports and cards
  std::filesystem::path manifest;     // the data manifest read, empty when the split was recomputed
};

// With the generator folder's data-manifest.toml: its pieces, their split, the composer and
// the sha256 it names. Without: every .mid/.midi under `corpus` that reads and quantises,
// split as `clara encode --corpus` does with `fallback` (its defaults: seed 0, 5 % / 5 %), the
// composer being the first folder of its path. `source` names the manifest by the generator
// folder's name, or `source_path` by its path (reports that point at the file).
LabelledCorpus labelled_corpus(const std::filesystem::path& corpus, const std::filesystem::path& generator_dir,
                               const EncodingSpec& spec, const SplitOptions& fallback = {},
                               bool source_path = false);

// Encodes `pieces` (train pieces in 12 keys, held-out ones in their own) on `threads`
// threads, with a progress bar. Pieces that fail are reported on stderr and left out.
std::vector<PieceTokens> encode_pieces(const std::filesystem::path& corpus, const std::vector<LabelledPiece>& pieces,
                                       const EncodingSpec& spec, const Vocabulary& vocab, int threads);

}  // namespace clara::cli
