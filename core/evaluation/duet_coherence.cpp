#include "core/evaluation/duet_coherence.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "core/evaluation/note_statistics.hpp"
#include "core/evaluation/pitch_class_histogram.hpp"
#include "core/evaluation/register_continuity.hpp"

namespace clara {

CoherenceScores score_answer(const PassageView& phrase, const PassageView& answer,
                             double bar_beats) {
  if (!(phrase.beats > 0) || !(answer.beats > 0) || !(bar_beats > 0))
    throw std::invalid_argument("score_answer: phrase (" + std::to_string(phrase.beats) +
                                "), answer (" + std::to_string(answer.beats) + ") and bar (" +
                                std::to_string(bar_beats) + ") lengths must be > 0 beats");
  CoherenceScores s;
  if (auto k = estimate_key(phrase.notes)) s.phrase_key = k->key;
  if (auto k = estimate_key(answer.notes)) s.answer_key = k->key;
  if (s.phrase_key && s.answer_key) {
    s.same_key = *s.phrase_key == *s.answer_key;
    s.related_key = same_or_closely_related(*s.phrase_key, *s.answer_key);
  }
  s.pc_distance = jensen_shannon_distance(pitch_class_histogram(phrase.notes),
                                          pitch_class_histogram(answer.notes));
  s.phrase_density = note_density(phrase.notes, phrase.beats);
  s.answer_density = note_density(answer.notes, answer.beats);
  s.register_distance = register_distance(phrase.notes, phrase.beats, answer.notes, bar_beats);
  s.answer_notes = answer.notes.size();
  return s;
}

CoherenceSummary summarise(std::span<const CoherenceScores> scores,
                           const BootstrapOptions& bootstrap) {
  if (scores.empty()) throw std::invalid_argument("coherence summary: no phrases");
  CoherenceSummary out;
  out.phrases = scores.size();
  std::vector<double> related;
  related.reserve(scores.size());
  for (const CoherenceScores& s : scores) {
    out.empty_answers += s.answer_notes == 0;
    related.push_back(s.related_key ? 1.0 : 0.0);
    out.related_key_rate += s.related_key;
    out.same_key_rate += s.same_key;
    if (s.pc_distance) {
      out.pc_distance += *s.pc_distance;
      ++out.pc_distance_count;
    }
    out.answer_density += s.answer_density;
    out.density_difference += std::abs(s.answer_density - s.phrase_density);
    if (s.register_distance) {
      out.register_distance += *s.register_distance;
      ++out.register_distance_count;
    }
  }
  const double n = static_cast<double>(scores.size());
  out.related_key_rate /= n;
  out.same_key_rate /= n;
  out.answer_density /= n;
  out.density_difference /= n;
  if (out.pc_distance_count) out.pc_distance /= static_cast<double>(out.pc_distance_count);
  if (out.register_distance_count)
    out.register_distance /= static_cast<double>(out.register_distance_count);
  out.related_key_interval = bootstrap_mean_interval(related, bootstrap);
  return out;
}

}  // namespace clara
