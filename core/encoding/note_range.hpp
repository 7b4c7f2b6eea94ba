#pragma once
// The pitch window an encoding can express. Pitches are stored as indices into
// the window (index = MIDI pitch - lowest), as in the seed's piano roll.
#include <string>

namespace clara {

struct NoteRange {
  int lowest = 33;  // MIDI pitch of index 0
  int size = 62;    // number of indices

  static NoteRange standard() { return {33, 62}; }  // MIDI 33..94 (A1..A#6), the seed's default
  static NoteRange small() { return {45, 38}; }     // MIDI 45..82, the seed's 38-note variant

  int highest() const { return lowest + size - 1; }
  bool contains_index(int index) const { return index >= 0 && index < size; }
  int pitch_of(int index) const { return lowest + index; }
  // Index of `pitch` after moving it by whole octaves into the window (SPEC §1):
  // up while below, down while above. Needs size >= 12 (validate() checks).
  int fold(int pitch) const;
  // Throws std::invalid_argument when the window is unusable (size < 12, or
  // outside MIDI 0..127).
  void validate() const;

  bool operator==(const NoteRange&) const = default;
};

}  // namespace clara
