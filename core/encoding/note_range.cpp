#include "core/encoding/note_range.hpp"

#include <stdexcept>

namespace clara {

int NoteRange::fold(int pitch) const {
  int index = pitch - lowest;
  // Whole octaves at once, so a wild pitch costs no more than a normal one.
  if (index < 0) index += 12 * ((-index + 11) / 12);
  if (index >= size) index -= 12 * ((index - size) / 12 + 1);
  return index;
}

void NoteRange::validate() const {
  if (size < 12)
    throw std::invalid_argument("note range of " + std::to_string(size) +
                                " notes is smaller than an octave; octave folding needs at least 12");
  if (lowest < 0 || lowest + size > 128)
    throw std::invalid_argument("note range " + std::to_string(lowest) + ".." +
                                std::to_string(lowest + size - 1) + " lies outside MIDI 0..127");
}

}  // namespace clara
