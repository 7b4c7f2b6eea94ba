#include "core/evaluation/register_continuity.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace clara {
namespace {

// Mean pitch of the notes sounding in [from, to) (a zero-length note sounds at its onset);
// if none, of the notes at the latest onset (`latest`) or the earliest.
double mean_pitch(std::span<const Note> notes, double from, double to, bool latest) {
  double sum = 0;
  int count = 0;
  for (const Note& n : notes)
    if (n.start < to && (n.end > from || n.start >= from)) {
      sum += n.pitch;
      ++count;
    }
  if (count > 0) return sum / count;
  double edge = notes.front().start;
  for (const Note& n : notes) edge = latest ? std::max(edge, n.start) : std::min(edge, n.start);
  for (const Note& n : notes)
    if (n.start == edge) {
      sum += n.pitch;
      ++count;
    }
  return sum / count;
}

}  // namespace

std::optional<double> register_distance(std::span<const Note> phrase, double phrase_beats,
                                        std::span<const Note> answer, double bar_beats) {
  if (!(bar_beats > 0) || !(phrase_beats > 0))
    throw std::invalid_argument("register_distance: bar (" + std::to_string(bar_beats) +
                                ") and phrase (" + std::to_string(phrase_beats) +
                                ") lengths must be > 0 beats");
  if (phrase.empty() || answer.empty()) return std::nullopt;
  const double end = mean_pitch(phrase, phrase_beats - bar_beats, phrase_beats, true);
  const double start = mean_pitch(answer, 0, bar_beats, false);
  return std::abs(end - start);
}

}  // namespace clara
