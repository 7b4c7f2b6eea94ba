#pragma once
// How well an answer fits the phrase it answers: key agreement (Krumhansl-Schmuckler),
// pitch-class histogram distance, note density and register continuity. The same scores are
// taken for Clara's answer and for the baselines (the human's true continuation, a random
// passage of another piece), so the figures compare like with like.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/evaluation/bootstrap.hpp"
#include "core/evaluation/key_estimation.hpp"
#include "core/midi/score.hpp"

namespace clara {

// A stretch of music as passage() cuts it: 0 = its beginning, `beats` long.
struct PassageView {
  std::span<const Note> notes;
  double beats = 0;
};

struct CoherenceScores {
  std::optional<Key> phrase_key, answer_key;  // nullopt: no key (no notes, or a flat profile)
  // Both keys known and equal / same or closely related (same_or_closely_related()).
  // A missing key counts as disagreement: an answer with no notes does not answer.
  bool same_key = false;
  bool related_key = false;
  std::optional<double> pc_distance;  // jensen_shannon_distance of the pc histograms
  double phrase_density = 0;          // notes per beat
  double answer_density = 0;
  std::optional<double> register_distance;  // semitones, register_distance()
  std::size_t answer_notes = 0;
};

// Throws std::invalid_argument unless both lengths and bar_beats are > 0.
CoherenceScores score_answer(const PassageView& phrase, const PassageView& answer,
                             double bar_beats);

struct CoherenceSummary {
  std::size_t phrases = 0;
  std::size_t empty_answers = 0;  // answers without a note
  double related_key_rate = 0;    // share of phrases, 0..1
  Interval related_key_interval;  // bootstrap over phrases
  double same_key_rate = 0;
  // Means over the phrases where the score is defined (count alongside).
  double pc_distance = 0;
  std::size_t pc_distance_count = 0;
  double answer_density = 0;      // over all phrases (an empty answer is 0)
  double density_difference = 0;  // mean |answer density - phrase density|
  double register_distance = 0;
  std::size_t register_distance_count = 0;
};

// Throws std::invalid_argument for no scores or bad bootstrap options.
CoherenceSummary summarise(std::span<const CoherenceScores> scores,
                           const BootstrapOptions& bootstrap);

}  // namespace clara
