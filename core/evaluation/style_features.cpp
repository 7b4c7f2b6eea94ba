#include "core/evaluation/style_features.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

#include "core/encoding/codec.hpp"
#include "core/evaluation/note_statistics.hpp"
#include "core/evaluation/pitch_class_histogram.hpp"

namespace clara {

StyleFeatures style_features(std::span<const Note> notes, double length_beats) {
  StyleFeatures f{};
  const auto pc = pitch_class_histogram(notes);
  std::copy(pc.begin(), pc.end(), f.begin());
  std::size_t i = 12;
  f[i++] = length_beats > 0 ? note_density(notes, length_beats) : 0.0;
  f[i++] = polyphony(notes).value_or(0.0);
  double mean = 0, sq = 0;
  for (const Note& n : notes) mean += n.pitch;
  if (!notes.empty()) mean /= static_cast<double>(notes.size());
  for (const Note& n : notes) sq += (n.pitch - mean) * (n.pitch - mean);
  f[i++] = mean / 12.0;
  f[i++] = notes.empty() ? 0.0 : std::sqrt(sq / static_cast<double>(notes.size())) / 12.0;
  const auto lengths = note_length_distribution(notes);
  for (std::size_t k = 0; k < 6; ++k) f[i++] = lengths ? lengths->shares[k] : 0.0;
  f[i++] = lengths ? lengths->mean : 0.0;
  std::map<double, int> onsets;
  for (const Note& n : notes) ++onsets[n.start];
  std::size_t in_chords = 0;
  for (const auto& [t, c] : onsets)
    if (c > 1) in_chords += static_cast<std::size_t>(c);
  f[i++] = notes.empty() ? 0.0 : static_cast<double>(in_chords) / static_cast<double>(notes.size());
  return f;
}

std::vector<Note> notes_of_tokens(std::span<const std::string> tokens, const EncodingSpec& spec,
                                  double* length_beats) {
  DecodeCounts counts;
  const GridPiece g = parse_tokens(tokens, spec, counts);
  // The passage's own length: its waits (notewise, chamber), else the decoder's steps.
  std::int64_t steps = 0;
  bool waits = false;
  for (const auto& t : tokens)
    if (t.rfind("wait", 0) == 0) {
      waits = true;
      steps += std::strtol(t.c_str() + 4, nullptr, 10);
    }
  if (!waits) steps = g.steps;
  steps = std::max<std::int64_t>(1, steps);
  std::vector<Note> out;
  for (const GridNote& n : g.notes) {
    if (n.start >= steps) continue;
    // A note the passage never closes lasts to the passage's end, not the decoder's default.
    const std::int64_t end = std::min(n.end(), steps);
    out.push_back(Note{spec.range.pitch_of(n.index), static_cast<double>(n.start) / spec.sample_freq,
                       static_cast<double>(std::max(end, n.start + 1)) / spec.sample_freq, 80});
  }
  if (length_beats) *length_beats = static_cast<double>(steps) / spec.sample_freq;
  return out;
}

}  // namespace clara
