#pragma once
// A time keeper Clara's grid can be put on, bar line on bar line (ClockSteering): its tempo and
// where its song positions fall in time. Song positions count MIDI Clock ticks (24 a quarter note)
// from a bar line of the master's, so that a multiple of 24 * beats per bar is one of its bar lines.
// Two kinds: a MIDI Clock master estimated from its ticks (MidiClock) and a timeline known exactly
// (LinearTimeline: an Ableton Link session's state as the daemon captured it).
#include <cstdint>

namespace clara {

class MasterTimeline {
 public:
  virtual ~MasterTimeline() = default;
  virtual double bpm() const = 0;  // 0: no tempo known yet
  virtual double song_tick_at(std::int64_t time_ns) const = 0;
  virtual double time_of_song_tick(double song_tick) const = 0;
};

}  // namespace clara
