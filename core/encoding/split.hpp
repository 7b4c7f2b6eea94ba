#pragma once
// Train/valid/test assignment per piece, so all keys of one piece land on one
// side (SPEC §3). The choice depends only on the seed and the piece's relative
// path, never on the order files are listed in.
#include <cstddef>
#include <cstdint>
#include <string>
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

// The split of a whole corpus: each piece as assign_split() puts it, except that a split
// with a non-zero fraction is never left empty while the corpus can spare a piece for it.
// Train comes first (one piece or more), then valid (two pieces or more), then test (three
// or more): a small corpus still validates. A piece moved to fill a split is the one whose
// draw lies nearest that split's interval, taken from the split with the most pieces, so
// the result still depends only on the seed and the set of paths, not on their order, and
// large corpora keep exactly the per-piece assignment.
struct CorpusSplit {
  std::vector<Split> splits;    // one per path, in the order given
  std::size_t pieces[3] = {};   // indexed by Split
  // Empty when every split with a non-zero fraction has a piece; otherwise one line naming
  // the piece count and the splits left empty, e.g. "2 pieces: none for test (needs 3 or more)".
  std::string warning;
};
CorpusSplit split_corpus(const std::vector<std::string>& relative_paths, const SplitOptions& options);

// Semitone shifts written for a split: train gets the seed's 12 keys, -5..+6 in
// ascending order; valid and test stay in the original key only, so evaluation
// measures the real pieces.
std::vector<int> transpositions_for(Split s);

}  // namespace clara
