#pragma once
// Train/valid/test assignment per piece, so all keys of one piece land on one
// side (SPEC §3). The choice depends only on the seed and the piece's relative
// path, never on the order files are listed in.
#include <cstdint>
#include <string_view>
#include <vector>

namespace clara {

enum class Split { train, valid, test };
std::string_view to_string(Split s);

struct SplitOptions {
  std::uint64_t seed = 0;
  double valid = 0.05;  // fraction of pieces
  double test = 0.05;
  // Throws std::invalid_argument unless both are in [0, 1] and sum to at most 1.
  void validate() const;
};

// `relative_path` should use '/' separators (std::filesystem::path::generic_string),
// so the same corpus splits the same way on every platform.
Split assign_split(std::string_view relative_path, const SplitOptions& options);

// Semitone shifts written for a split: train gets the seed's 12 keys, -5..+6 in
// ascending order; valid and test stay in the original key only, so evaluation
// measures the real pieces.
std::vector<int> transpositions_for(Split s);

}  // namespace clara
