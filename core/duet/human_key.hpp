#pragma once
// The key the human is playing in, for the key-keeping bias (SamplerConfig::key_keeping): a
// duration-weighted pitch-class profile of the human's notes that decays with a half-life of
// kHalfLifeBeats, and its Krumhansl-Schmuckler key (core/evaluation/key_estimation, the same
// estimate `clara coherence` scores answers with).
//
// A note counts when it ends: its length in beats (at least one grid step), weighted by
// 2^-(age / half-life) where age runs from its end. Only grid steps enter (the steps the
// notes were played in, as the session log records them), so the profile is a pure function
// of the engine's inputs and replay reproduces it. The profile is kept scaled to the latest
// note, so nothing needs recomputing as time passes without notes: a common factor changes
// neither the key nor the bias.
//
// The bias for the estimated key K is log(w[pc]) - mean over the twelve of log(w), w the
// Krumhansl-Kessler profile of K: positive on K's scale degrees that the probe-tone ratings
// rate high (tonic, dominant, mediant...), negative on the others, zero on average, so the
// onsets' total weight against ends and waits moves little. Copyable: the stream's head
// keeps it, and a rollback restores it with the rest.
#include <array>
#include <cstdint>
#include <optional>

#include "core/evaluation/key_estimation.hpp"

namespace clara {

// clarad's and `clara coherence`'s key_keeping when nothing sets it: the strength measured to
// keep the human's key (docs/evaluation.md, "Key keeping"). SamplerConfig's own default stays
// 0 (off), so a session log without the field replays as it was played.
inline constexpr double kDefaultKeyKeeping = 1.5;

class HumanKey {
 public:
  static constexpr double kHalfLifeBeats = 16.0;  // four bars of 4/4

  // `steps_per_beat`: the grid's sample_freq (> 0; std::invalid_argument otherwise).
  HumanKey() : HumanKey(12) {}
  explicit HumanKey(int steps_per_beat);

  // MIDI key `key` (0..127) went down / up in grid step `step`. A note-off without a note-on
  // counts nothing; a second note-on of a held key keeps the first onset.
  void note_on(int key, std::int64_t step);
  void note_off(int key, std::int64_t step);
  // Forgets everything (a new piece).
  void clear();

  // The decayed duration profile, in beats, scaled to the latest note (index 0 = C).
  const std::array<double, 12>& profile() const { return profile_; }
  // nullopt until the profile has a key (no notes yet, or no pitch class outweighs another).
  const std::optional<Key>& key() const { return key_; }
  // The per-pitch-class bias for key(); meaningless when key() is nullopt.
  const std::array<double, 12>& bias() const { return bias_; }

 private:
  void add(int pitch_class, double beats, std::int64_t step);

  int steps_per_beat_;
  std::array<std::int64_t, 128> onset_;  // step the key went down, or kUp
  std::array<double, 12> profile_{};
  std::int64_t latest_ = 0;  // the step profile_ is scaled to
  std::optional<Key> key_;
  std::array<double, 12> bias_{};
};

// log(w[pc]) - mean log(w) for the Krumhansl-Kessler profile w of `key` (see above).
std::array<double, 12> key_keeping_bias(const Key& key);

}  // namespace clara
