#pragma once
// A master timeline at one tempo: `beat` (quarter notes on the master's count, a multiple of the
// beats per bar on each of its bar lines) at `time_ns`, `bpm` from there on and before. An Ableton
// Link session's timeline is of this kind between two tempo changes; the daemon captures it each
// inference tick, so a change of tempo is seen within a millisecond of the time it applies from.
// Pure.
#include <cstdint>

#include "core/tempo/master_timeline.hpp"

namespace clara {

class LinearTimeline final : public MasterTimeline {
 public:
  LinearTimeline() = default;
  // bpm > 0 (std::invalid_argument otherwise: a session never has a tempo of 0).
  LinearTimeline(double bpm, double beat, std::int64_t time_ns);

  double bpm() const override { return bpm_; }
  double beat_at(std::int64_t time_ns) const;
  double time_of_beat(double beat) const;
  double song_tick_at(std::int64_t time_ns) const override { return 24.0 * beat_at(time_ns); }
  double time_of_song_tick(double song_tick) const override { return time_of_beat(song_tick / 24.0); }

 private:
  double bpm_ = 0;
  double beat_ = 0;
  std::int64_t time_ns_ = 0;
};

}  // namespace clara
