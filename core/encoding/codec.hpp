#pragma once
// One entry point for all three encodings, so callers (the CLI, the sampler)
// need not switch on the kind themselves.
#include <span>
#include <string>
#include <vector>

#include "core/encoding/encoding_spec.hpp"
#include "core/encoding/grid_piece.hpp"
#include "core/encoding/vocabulary.hpp"

namespace clara {

// Grid -> tokens of spec.encoding (chamber is notewise with the spec's part table).
std::vector<std::string> encode(const GridPiece& piece, const EncodingSpec& spec);
// The same tokens as one space-separated line (the data-file form), built
// without a string per token for notewise and chamber.
std::string encode_line(const GridPiece& piece, const EncodingSpec& spec);
// Tokens -> grid; never throws on token content (see DecodeCounts).
GridPiece parse_tokens(std::span<const std::string> tokens, const EncodingSpec& spec,
                       DecodeCounts& counts);
// Score -> tokens in the original key, for a whole piece at once.
std::vector<std::string> encode_score(const Score& score, const EncodingSpec& spec,
                                      EncodeCounts& counts);

// Guesses the spec that wrote `tokens`, for decoding a file without flags:
// chordwise when the tokens are a prefix plus a run of 0/1 or a rest letter
// (range size = that run's length, sample frequency 4); otherwise notewise when
// every part prefix is `p`, chamber with solo_piano when the prefixes are
// v/p, with string_quartet when they are vi/vii/vla/vc (sample frequency 12,
// the widest matching range). Throws EncodingError when nothing fits.
EncodingSpec detect_spec(std::span<const std::string> tokens);
inline Encoding detect_encoding(std::span<const std::string> tokens) {
  return detect_spec(tokens).encoding;
}

}  // namespace clara
