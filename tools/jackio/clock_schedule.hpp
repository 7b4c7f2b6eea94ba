#pragma once
// A MIDI Clock master's part for the tests and benches: a lead-in of clock while stopped,
// Start, 24-ppqn ticks for some bars (at a tempo, or ramping linearly in ticks from one tempo
// to another), each tick moved by uniform random jitter (fixed seed), then Stop and a beat
// of clock while stopped. Also the master's ideal grid (the time of every song tick, no
// jitter), which a test compares Clara's onsets with.
#include <cstdint>
#include <vector>

#include "core/midi/timed_message.hpp"

namespace clara::jackio {

struct ClockPlan {
  double bpm = 120;
  double ramp_to = 0;          // 0: no ramp
  double ramp_from_bar = 0, ramp_bars = 0;
  int bars = 8;                // bars from Start to Stop
  int beats_per_bar = 4;
  double jitter_ms = 0;        // each tick moved by uniform [-jitter, +jitter]
  std::uint64_t seed = 1;
  int lead_in_beats = 1;       // clock before Start
  void validate() const;       // std::invalid_argument naming the field
};

struct ClockSchedule {
  std::vector<TimedMessage> messages;  // time_ns from the schedule's start, sorted
  // The ideal time (ns from the schedule's start) of song ticks 0, 1, ... up to Stop.
  std::vector<double> grid_ns;
};

ClockSchedule clock_schedule(const ClockPlan& plan);

}  // namespace clara::jackio
