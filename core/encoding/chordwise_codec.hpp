#pragma once
// Chordwise tokens (SPEC §2.3): one token per step and part (parts in table
// order): the part's prefix followed by one character per range index, '1' where
// a note starts in that step and '0' elsewhere ("p0001000...0"). Durations are
// not kept. A step with no onset is written as the prefix followed by one rest
// letter repeated range-size times; the letter is "a..zA..Z"[k] with k = the
// number of onsets in the previous 10 tokens, capped at 51, so the model sees
// how busy the music was. Upper case is kept (the seed lower-cased it by
// accident, folding 26 rest codes into the other 26).
#include <cstddef>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/encoding/encoding_spec.hpp"
#include "core/encoding/grid_piece.hpp"
#include "core/encoding/vocabulary.hpp"

namespace clara {

// Every decoded chordwise onset lasts this many steps (SPEC §2.4).
inline constexpr int kChordwiseNoteSteps = 2;
// Number of earlier tokens whose onsets choose a rest letter.
inline constexpr int kRestWindow = 10;

// The rest letter for `onsets` onsets in the window: 'a' for 0 ... 'Z' for 51 and more.
char rest_letter(int onsets);

std::vector<std::string> encode_chordwise(const GridPiece& piece, const EncodingSpec& spec);

// Token k of a part starts step k. A step ends when a token's part comes at or
// before the previous token's part in table order, so missing parts are
// tolerated and two-part streams keep their tempo (the seed advanced time on
// every token). <unk> stands for one step of the next part and sounds nothing;
// empty, <pad>, <eos> and malformed tokens are skipped and counted. A new onset
// of a pitch still sounding from an earlier onset cuts the earlier note short.
GridPiece decode_chordwise(std::span<const std::string> tokens, const EncodingSpec& spec,
                           DecodeCounts& counts);

using TokenCounts = std::unordered_map<std::string, std::size_t>;
void count_tokens(std::span<const std::string> tokens, TokenCounts& counts);
// The chordwise vocabulary is the chords seen in training, most frequent first
// (ties by token text, so the result does not depend on hash order); tokens seen
// fewer than min_count times are left out and read as <unk>.
Vocabulary chordwise_vocabulary(const TokenCounts& counts, std::size_t min_count = 1);

}  // namespace clara
