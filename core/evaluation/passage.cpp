#include "core/evaluation/passage.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace clara {

std::vector<Note> passage(std::span<const Note> notes, double from, double to) {
  if (!std::isfinite(from) || !std::isfinite(to) || !(from < to))
    throw std::invalid_argument("passage: from (" + std::to_string(from) + ") must be before to (" +
                                std::to_string(to) + ")");
  std::vector<Note> out;
  for (const Note& n : notes) {
    if (n.start < from || n.start >= to) continue;
    Note m = n;
    m.start -= from;
    m.end = std::min(n.end, to) - from;
    out.push_back(m);
  }
  return out;
}

std::vector<Note> all_notes(const Score& score) {
  std::vector<Note> out;
  for (const Part& p : score.parts) out.insert(out.end(), p.notes.begin(), p.notes.end());
  std::stable_sort(out.begin(), out.end(), [](const Note& a, const Note& b) {
    return a.start != b.start ? a.start < b.start : a.pitch < b.pitch;
  });
  return out;
}

}  // namespace clara
