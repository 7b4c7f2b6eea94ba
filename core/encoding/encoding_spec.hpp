#pragma once
// Everything that fixes one token format: the kind of encoding, the grid, the
// pitch window and (for several parts) the part table. Two data sets encoded
// with equal specs share a vocabulary.
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/encoding/note_range.hpp"
#include "core/encoding/part_table.hpp"

namespace clara {

// Bad input to an encoder or decoder (a note with a negative or non-finite time,
// an impossible spec). Messages name the part, note or token concerned.
class EncodingError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Encoding { notewise, chordwise, chamber };
std::string_view to_string(Encoding e);
// "notewise", "chordwise" or "chamber"; throws EncodingError listing them.
Encoding parse_encoding(std::string_view name);

struct EncodingSpec {
  Encoding encoding = Encoding::notewise;
  int sample_freq = 12;  // grid steps per quarter note
  NoteRange range = NoteRange::standard();
  PartTable parts = PartTable::piano();

  // The seed's defaults: notewise and chamber at 12 steps a quarter, chordwise at
  // 4; chamber uses the solo + piano table, the others the piano table.
  static EncodingSpec defaults(Encoding e);
  // Longest single wait token: the seed merges at most 2*sf+1 steps (SPEC §2.2).
  int max_wait() const { return 2 * sample_freq + 1; }
  // Throws EncodingError when the spec cannot be used.
  void validate() const;

  bool operator==(const EncodingSpec&) const = default;
};

}  // namespace clara
