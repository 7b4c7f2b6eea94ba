#pragma once
// Grid step <-> time for a duet whose tempo can change mid-session. A change re-anchors
// the grid at the step it takes effect, so every step before it keeps its time: replay
// and the daemon's output both ask for committed steps' times after the fact.
#include <cstdint>
#include <vector>

namespace clara {

class TempoMap {
 public:
  // Step 0 falls at origin_ns; `sample_freq` steps a quarter note at `bpm`.
  TempoMap(int sample_freq, double bpm, std::int64_t origin_ns = 0);

  double bpm() const { return segments_.back().bpm; }  // the latest tempo
  std::int64_t time_of(std::int64_t step) const;        // ns, rounded
  double step_at(std::int64_t time_ns) const;           // fractional step

  // `bpm` from `step` on; `step` must not precede the latest change. A second change
  // at the same step replaces the first.
  void set_tempo(std::int64_t step, double bpm);
  // Step `step` (and the ones after it, at the same tempo) fall at `ns` from now on: the
  // grid slides later after a stall, so what was not played in time is not played late
  // in a burst. `step` must not precede the latest change, nor `ns` its time.
  void reanchor(std::int64_t step, std::int64_t ns);

 private:
  struct Segment {
    std::int64_t step, ns;
    double bpm;
  };
  double step_ns(const Segment& g) const { return 60e9 / (g.bpm * sample_freq_); }

  int sample_freq_;
  std::vector<Segment> segments_;  // one per tempo, by step (and so by time)
};

}  // namespace clara
