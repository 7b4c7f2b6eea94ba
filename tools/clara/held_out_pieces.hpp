#pragma once
// Which pieces of a corpus a model never trained on: the ones its data manifest (the
// data-manifest.toml `clara train` copies into the model folder from `clara encode`) puts in
// the test (or valid) split; without a manifest, the split `clara encode --corpus` would
// make (core/encoding/split) recomputed from the paths.
#include <filesystem>
#include <string>
#include <vector>

#include "core/encoding/encoding_spec.hpp"
#include "core/encoding/split.hpp"

namespace clara::cli {

enum class HeldOut { test, valid, both };
// "test", "valid" or "held-out"; UsageError otherwise.
HeldOut parse_held_out(const std::string& name);

struct HeldOutPieces {
  std::vector<std::filesystem::path> files;  // absolute, sorted by their path in the corpus
  std::vector<std::string> relative;         // as the manifest names them
  std::string source;                        // where the choice came from, for the report
};

// With a manifest: its pieces of that split, each checked against its sha256 (DataError
// naming the manifest and the file when it differs or is missing). Without: every .mid/.midi
// under `corpus` that reads and quantises with `spec` (the pieces encode keeps), split with
// `fallback` (the encode defaults: seed 0, 5 % valid, 5 % test).
HeldOutPieces held_out_pieces(const std::filesystem::path& corpus,
                              const std::filesystem::path& model_dir, HeldOut which,
                              const SplitOptions& fallback, const EncodingSpec& spec);

}  // namespace clara::cli
