#include "core/midi/score.hpp"

#include <algorithm>

namespace clara {

double Score::length_quarters() const {
  double end = 0.0;
  for (const Part& part : parts)
    for (const Note& note : part.notes) end = std::max(end, note.end);
  return end;
}

std::size_t Score::note_count() const {
  std::size_t n = 0;
  for (const Part& part : parts) n += part.notes.size();
  return n;
}

}  // namespace clara
