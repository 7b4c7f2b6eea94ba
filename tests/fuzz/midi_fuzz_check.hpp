#pragma once
// The property both the libFuzzer target and the regression runner check:
// read_midi either parses or throws MidiFileError, and whatever it parses the
// writer turns into a file that parses again to the same parts and notes.
// Any other outcome throws std::logic_error (or crashes under the sanitizers).
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/midi/midi_file.hpp"

namespace clara::fuzz {

// Returns true when the bytes parsed, false when they were rejected cleanly.
inline bool check_midi_bytes(std::span<const std::uint8_t> bytes) {
  Score score;
  try {
    score = read_midi(bytes);
  } catch (const MidiFileError&) {
    return false;
  }
  const std::vector<std::uint8_t> written = write_midi(score);
  Score again;
  try {
    again = read_midi(written);
  } catch (const MidiFileError& e) {
    throw std::logic_error(std::string("writer output does not parse: ") + e.what());
  }
  if (again.parts.size() != score.parts.size() || again.note_count() != score.note_count())
    throw std::logic_error("write/read changed the score: " + std::to_string(score.parts.size()) +
                           " parts, " + std::to_string(score.note_count()) + " notes became " +
                           std::to_string(again.parts.size()) + " parts, " +
                           std::to_string(again.note_count()) + " notes");
  return true;
}

}  // namespace clara::fuzz
