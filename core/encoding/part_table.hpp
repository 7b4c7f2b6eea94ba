#pragma once
// Which token prefix each part of a score is written under, kept as data so a
// new ensemble is one more table, not more code.
//
// Built-in tables (docs/encodings.md has the full story):
//   piano          one entry `p`; every part of the score, whatever its instrument,
//                  is merged into it (the seed's piano-solo encodings).
//   solo_piano     the seed's chamber setting: `v` = the highest-sounding melody
//                  part (by mean pitch), raised by octaves to index >= 22 (G3, the
//                  violin's lowest string); `p` = every other part, keyboard or not.
//   string_quartet `vi`, `vii`, `vla` = the three highest-sounding melody parts in
//                  order of mean pitch, `vc` = every remaining melody part (so a
//                  quintet's two lowest parts share `vc`). Keyboards are rejected.
//
// Instrument classes follow SPEC §1 (keyboard-like vs melody-like): the track name
// is matched first (case-insensitive substring, because real track names look like
// "pianoUp:" or "Violin 1"), then the GM program: 0-23 and 46 (harp) keyboard;
// 40-45 strings, 52-54 voices, 56-79 brass, reeds and pipes melody. Anything else
// is `other`, which a classifying table rejects.
//
// When names and programs find no melody part at all (every part reads as a
// keyboard, e.g. LilyPond's unnamed tracks on program 0), a table with one
// solo entry (solo_piano) asks the notes: core/encoding/solo_by_content.hpp.
// Names and programs always win when they place the score.
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/encoding/solo_by_content.hpp"
#include "core/midi/score.hpp"

namespace clara {

// A score the table cannot place (the CLI skips such a file and reports why).
class PartAssignmentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class InstrumentClass { keyboard, melody, other };
InstrumentClass classify_instrument(const Part& part);
std::string_view to_string(InstrumentClass c);

// What placed a part: its track name, its GM program (0 when the file has no
// program change), its notes, or nothing (a table that takes any instrument).
enum class PartBasis { name, program, content, any };
std::string_view to_string(PartBasis b);
struct InstrumentEvidence {
  InstrumentClass instrument = InstrumentClass::other;
  PartBasis basis = PartBasis::program;
};
InstrumentEvidence classify_with_evidence(const Part& part);

// Which entry each part of a score went to and why.
struct PartAssignment {
  std::vector<int> entry;             // per score part; -1 for a part with no notes
  std::vector<PartBasis> basis;       // per score part
  std::optional<SoloDecision> content;  // set when names and programs gave no melody part
  std::string error;                  // non-empty: the score cannot be placed
};

enum class PartRole {
  highest_melody,  // takes the highest-sounding melody part not yet assigned
  rest,            // takes every part left over (at most one such entry, the last)
};

struct PartEntry {
  std::string prefix;    // token prefix: letters only, not starting with "end" or "wait"
  std::string name;      // part name when decoding
  int program = 0;       // GM program (0-based) when decoding
  PartRole role = PartRole::rest;
  int index_floor = 0;   // notes below this range index are raised by octaves
  bool required = false; // a score that leaves it empty is rejected

  bool operator==(const PartEntry&) const = default;
};

struct PartTable {
  std::string name;
  std::vector<PartEntry> entries;
  bool classify = true;         // false: accept any instrument (piano table)
  bool keyboard_allowed = true; // a keyboard part may go to the `rest` entry

  static PartTable piano();
  static PartTable solo_piano();
  static PartTable string_quartet();
  // "piano", "solo_piano", "string_quartet"; throws std::invalid_argument listing them.
  static PartTable by_name(std::string_view name);

  // Throws std::invalid_argument on a malformed table (bad or duplicate prefix,
  // `rest` entry not last, floors outside [0, range_size - 12]).
  void validate(int range_size) const;
  // Entry index for each part of `score` (-1 for a part with no notes).
  // Throws PartAssignmentError naming the part when an instrument is not accepted
  // or a required entry stays empty.
  std::vector<int> assign(const Score& score) const;
  // The same decision with its reasons; never throws for the score's content
  // (a score that cannot be placed has `error` set).
  PartAssignment explain(const Score& score) const;
  // Entry whose prefix is exactly `prefix`, or -1.
  int find_prefix(std::string_view prefix) const;

  bool operator==(const PartTable&) const = default;
};

}  // namespace clara
