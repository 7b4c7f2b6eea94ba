#pragma once
// Data for the judging models (issue 14): pieces as token lines with a label and a split,
// cut into fixed-length samples, classes chosen by how many pieces each label has, and
// class-balanced draws. The split is by piece, decided before any cutting: a test piece's
// chunks (in every key) come only from the test side, and test pieces are encoded in their
// original key alone (core/encoding/split's rule), so no transposition of a held-out piece
// can reach training. Torch-free; deterministic for a seed.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/encoding/encoding_spec.hpp"
#include "core/encoding/split.hpp"
#include "core/encoding/vocabulary.hpp"

namespace clara {

struct LabelledPiece {
  std::string path;   // as the corpus names it, '/' separated
  std::string label;  // the composer (its folder), or "human"
  Split split = Split::train;
};

struct PieceTokens {
  LabelledPiece piece;
  // One token-id line per key the split writes (transpositions_for(split)): train pieces in
  // the 12 keys -5..+6, valid and test pieces in their own key only.
  std::vector<std::vector<int>> keys;
};

// Reads, quantises and encodes `corpus/path` in the keys its split writes, the way
// `clara encode --corpus` does. Throws std::runtime_error naming the file when it cannot.
PieceTokens encode_piece(const std::filesystem::path& corpus, const LabelledPiece& piece, const EncodingSpec& spec,
                         const Vocabulary& vocab);

// Classes from the pieces each label has: the `count` labels with the most pieces (ties by
// name), in that order; with `group_rest`, a last class "other" holds every remaining label.
struct ClassChoice {
  std::vector<std::string> classes;
  std::map<std::string, std::size_t> pieces;  // per label, as counted
  std::vector<std::string> excluded;          // labels in no class (group_rest false)
  bool grouped_other = false;
  // Class index of a label, -1 when it is excluded.
  int class_of(const std::string& label) const;
};
ClassChoice choose_classes(const std::map<std::string, std::size_t>& pieces_per_label, std::size_t count,
                           bool group_rest);

// A sample: `length` tokens of one key line of one piece, from `offset`.
struct ChunkRef {
  std::uint32_t piece = 0, key = 0, offset = 0;
  int label = 0;  // class index
};

// The non-overlapping `length`-token windows of every line of the pieces in `split` whose
// label is in a class (the first and last token of each line are left out, as the seed's
// make_composer_data did: they are the piece's edges, not its style).
std::vector<ChunkRef> cut_chunks(const std::vector<PieceTokens>& pieces, Split split, std::size_t length,
                                 const ClassChoice& classes);

// `n` chunks drawn so that each class is equally likely: a class uniformly, then one of its
// chunks uniformly (with replacement). Classes without chunks are skipped. Seeded.
std::vector<ChunkRef> balanced_draw(const std::vector<ChunkRef>& chunks, std::size_t classes, std::size_t n,
                                    std::uint64_t seed);

// The tokens of a chunk.
std::vector<int> chunk_tokens(const std::vector<PieceTokens>& pieces, const ChunkRef& chunk, std::size_t length);

// Per class, how many chunks there are.
std::vector<std::size_t> chunks_per_class(const std::vector<ChunkRef>& chunks, std::size_t classes);

}  // namespace clara
