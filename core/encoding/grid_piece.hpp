#pragma once
// The form every encoding is written from and read back into: notes on the
// sample grid, pitches as indices into the note range, one slot per part-table
// entry. It is exactly what the seed's piano roll can hold, but stored as a
// note list so encoding costs time per note, not per step and pitch.
//
// Invariants (quantise, transpose and the decoders keep them):
//   * notes sorted by (start, part, index);
//   * length >= 1; 0 <= index < range size; 0 <= part < part count;
//   * two notes of one (part, index) never overlap (they may touch);
//   * steps >= the end of every note.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/encoding/encoding_spec.hpp"
#include "core/midi/score.hpp"

namespace clara {

struct GridNote {
  int part = 0;          // part-table entry
  int index = 0;         // pitch index in the note range
  std::int64_t start = 0;   // steps
  std::int64_t length = 1;  // steps, >= 1
  std::int64_t end() const { return start + length; }
  bool operator==(const GridNote&) const = default;
};

struct GridPiece {
  int parts = 1;
  std::int64_t steps = 0;  // length of the piece in steps (end of the last note)
  std::vector<GridNote> notes;
  bool operator==(const GridPiece&) const = default;
};

struct EncodeCounts {
  std::size_t notes_in = 0;     // notes read from the score
  std::size_t folded = 0;       // moved by octaves into the range
  std::size_t raised = 0;       // moved up by octaves to a part's index floor
  std::size_t zero_length = 0;  // shorter than one step, given one step
  std::size_t merged = 0;       // same-pitch notes absorbed or cut by another onset
  std::size_t dropped = 0;      // lost by transposition past the window
};

// What a decoder skipped or repaired; decoding never fails on token content.
struct DecodeCounts {
  std::size_t tokens = 0;          // tokens read
  std::size_t skipped = 0;         // empty, <pad>, <eos> (and <unk> in notewise)
  std::size_t invalid = 0;         // not a token of this spec
  std::size_t unmatched_ends = 0;  // end of a note that was not sounding
  std::size_t duplicate_onsets = 0;// onset of a note already started in this step
  std::size_t unclosed = 0;        // notes still sounding at the end of the stream
};

// Score -> grid, as the seed's piano roll would hold it:
//   start step = floor(start * sf), length = floor((end - start) * sf), both with
//   a 1e-9 step tolerance so that 1/3 quarter at sf 12 is exactly 4 steps;
//   length 0 (a grace note) becomes 1 step, as the seed's onset-only cell does;
//   pitch folded by octaves into the range, then raised by octaves to the
//   part's index floor;
//   notes of one pitch and part that overlap are merged the way a piano-roll
//   row merges them, except that an onset always wins over a hold: a note
//   starts at every distinct onset and lasts until the next onset of that pitch
//   or the end of the covered run, whichever is first. Simultaneous onsets
//   collapse into one note of the longest length.
// Parts go to entries via spec.parts.assign (PartAssignmentError if it cannot);
// notes with a negative or non-finite time raise EncodingError.
GridPiece quantise(const Score& score, const EncodingSpec& spec, EncodeCounts& counts);

// Moves every note by `semitones`; notes leaving 0..range_size-1 are dropped and
// counted in `dropped`. The index floors are not re-applied (as in the seed).
GridPiece transpose(const GridPiece& piece, int semitones, int range_size, std::size_t& dropped);

// Restores the invariants on notes in any order and with any overlaps, using the
// same rule as quantise. Adds the notes it merged to `merged`.
void normalise(GridPiece& piece, std::size_t& merged);

struct DecodeOptions {
  double bpm = 120.0;          // one tempo for the whole piece
  int velocity = 80;           // every note; encodings keep none
  std::vector<int> programs;   // per table entry; empty = the table's programs
};

// Grid -> Score: one part per table entry, named after it, in table order (empty
// parts included, as the seed always writes both). Throws EncodingError on bad
// options (bpm <= 0, velocity outside 1..127, program outside 0..127).
Score to_score(const GridPiece& piece, const EncodingSpec& spec, const DecodeOptions& options = {});

}  // namespace clara
