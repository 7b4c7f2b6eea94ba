#pragma once
// Notewise tokens (SPEC §2.2), also used by the chamber encoding with more parts:
//   <prefix><i>     onset of range index i in the part with that prefix ("p28")
//   end<prefix><i>  the note ends after this step ("endp28")
//   wait<n>         advance n steps, 1 <= n <= 2*sf+1; longer silences are
//                   several waits, each as long as possible ("wait25 wait5")
// Per step: parts in table order, pitches ascending, a pitch's onset then its end;
// then the step's wait. An end sits in the last step the note sounds and only
// when the next step does not start the same pitch again: a re-strike closes
// the previous note by itself, as in the seed.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/encoding/encoding_spec.hpp"
#include "core/encoding/grid_piece.hpp"
#include "core/encoding/vocabulary.hpp"

namespace clara {

// Length the decoder gives a note that is never closed (the seed's default).
inline constexpr int kUnclosedNoteSteps = 12;

struct NotewiseToken {
  enum class Kind { onset, end, wait, invalid };
  Kind kind = Kind::invalid;
  int part = -1;  // table entry (onset, end)
  int value = 0;  // range index (onset, end) or steps (wait)
};
// Parses one token against `spec`'s part table and range; anything else
// (specials, unknown prefix, index out of range, wait0) is Kind::invalid.
NotewiseToken parse_notewise_token(std::string_view token, const EncodingSpec& spec);

std::vector<std::string> encode_notewise(const GridPiece& piece, const EncodingSpec& spec);
// The same tokens appended to `line`, separated by single spaces (no trailing
// space): the form the data files hold, without a string object per token.
void append_notewise_line(const GridPiece& piece, const EncodingSpec& spec, std::string& line);

// Stateful decoder: an onset opens a note; its end token closes it at the end of
// the current step; a re-strike of a sounding note closes the old one where the
// new one starts; a note never closed lasts kUnclosedNoteSteps (not capped at the
// stream's end, so the last notes of a generation keep a musical length).
// Specials and tokens of other specs are skipped and counted, never fatal.
GridPiece decode_notewise(std::span<const std::string> tokens, const EncodingSpec& spec,
                          DecodeCounts& counts);

// Every token the spec can produce: per part its onsets 0..size-1, then its ends,
// then wait1..wait(2*sf+1). Fixed, so it does not depend on the data.
Vocabulary notewise_vocabulary(const EncodingSpec& spec);

}  // namespace clara
