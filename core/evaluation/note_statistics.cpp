#include "core/evaluation/note_statistics.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace clara {

double note_density(std::span<const Note> notes, double length_beats) {
  if (!(length_beats > 0))
    throw std::invalid_argument("note_density: the passage length must be > 0 beats, not " +
                                std::to_string(length_beats));
  return static_cast<double>(notes.size()) / length_beats;
}

std::optional<double> polyphony(std::span<const Note> notes) {
  std::vector<std::pair<double, int>> events;  // (time, +1 start / -1 end)
  for (const Note& n : notes)
    if (n.end > n.start) {
      events.emplace_back(n.start, +1);
      events.emplace_back(n.end, -1);
    }
  if (events.empty()) return std::nullopt;
  std::sort(events.begin(), events.end());  // at equal times ends (-1) come first
  double sounding_time = 0, note_time = 0;
  int count = 0;
  for (std::size_t i = 0; i + 1 < events.size(); ++i) {
    count += events[i].second;
    const double dt = events[i + 1].first - events[i].first;
    if (count > 0) {
      sounding_time += dt;
      note_time += dt * count;
    }
  }
  return note_time / sounding_time;
}

std::optional<NoteLengthDistribution> note_length_distribution(std::span<const Note> notes) {
  if (notes.empty()) return std::nullopt;
  NoteLengthDistribution d;
  std::vector<double> lengths;
  lengths.reserve(notes.size());
  for (const Note& n : notes) {
    const double len = std::max(0.0, n.end - n.start);
    lengths.push_back(len);
    std::size_t cls = 0;
    while (cls < d.kUpperBounds.size() && len >= d.kUpperBounds[cls]) ++cls;
    d.shares[cls] += 1;
    d.mean += len;
  }
  d.notes = notes.size();
  const double n = static_cast<double>(notes.size());
  for (double& s : d.shares) s /= n;
  d.mean /= n;
  std::sort(lengths.begin(), lengths.end());
  d.median = lengths[(lengths.size() - 1) / 2];
  return d;
}

}  // namespace clara
