#pragma once
// Steers the duet grid onto the human's beat with the one control the engine has:
// DuetEngine::set_tempo(bpm), which takes effect at the frontier and never moves a
// committed step. A grid's phase cannot be set, only its tempo, so phase is corrected
// the way a phase-locked loop does it: the grid runs a little faster or slower than the
// human's tempo until its beats fall on the human's, then at the human's tempo.
//
// The control law, once per grid beat (at the first call whose frontier is in a beat
// not acted on yet), with e the phase error at the frontier in beats, wrapped to
// [-1/2, 1/2) (positive: the human's beat came first, the grid is late):
//
//     bpm = estimate * (1 + clamp(e / pull_beats, -max_pull, +max_pull))
//
// Why this law:
//  - the estimate is the feed-forward term: with no phase error the grid simply runs at
//    the tracker's tempo, so a tempo change is followed at once, not integrated up;
//  - running (1 + d) times faster gains d beats per beat, so e / pull_beats closes the
//    error in about pull_beats beats; evaluated once per beat it shrinks the error by
//    (1 - 1/pull_beats) each beat, without overshoot for pull_beats >= 1;
//  - the error is measured at the frontier, where the new tempo takes effect, not at
//    the clock: the commit horizon between them is no delay in the loop;
//  - max_pull bounds how far the grid departs from the human's tempo while catching up
//    (a half-beat error at lock takes a few beats, not a lurch);
//  - the grid's tempo is left alone for changes under min_change (0.1%): the session
//    log records every set_tempo, and such a change is inaudible; the phase error it
//    leaves is bounded (it grows until the law asks for more than min_change: 2 * 0.1%
//    of a beat, 1.3 ms at 96 bpm; at 0.5% it was 6 ms, and follow_test's answers sat up to
//    that far off the human's grid; follow_bench 12 is the same either way);
//  - near e = +-1/2 the two directions are equally far; the loop keeps the direction it
//    pulled in last, so noise cannot make it alternate;
//  - nothing changes while the tracker is neither locked nor confident (min_confidence): a
//    grid that holds its tempo is better than one chasing a guess. The confidence reaches
//    min_confidence before the tracker's lock (with its hysteresis) does, so a beat found late in
//    a phrase still moves the grid before Clara answers it (follow_bench: 87.3 % of answers in
//    tempo against 84.9 % when only the lock counts).
//
// Pure: inputs are values, so it is tested with a simulated grid. Not thread-safe; use
// it on the thread that owns the engine.
#include <cstdint>
#include <optional>

#include "core/tempo/beat_tracker.hpp"

namespace clara {

// The engine's grid where a tempo change would take effect (the frontier).
struct GridState {
  std::int64_t frontier_ns = 0;  // DuetEngine::time_of_step(frontier())
  double frontier_beat = 0;      // frontier() / spec().sample_freq: beats since step 0
  double bpm = 120;              // the grid's tempo now (the last one set)
};

struct TempoFollowerConfig {
  double pull_beats = 2.0;    // phase error closed over about this many beats (>= 1)
  double max_pull = 0.08;     // the grid departs from the estimate by at most this fraction
  double min_change = 0.001;  // smaller tempo changes are not made
  double min_confidence = 0.75;  // acts on an unlocked tracker this confident (0..1)
  double min_bpm = 20, max_bpm = 400;  // DuetLimits' range: what set_tempo accepts
  void validate() const;      // std::invalid_argument naming the field
};

class TempoFollower {
 public:
  explicit TempoFollower(const TempoFollowerConfig& config = {});  // validates

  // The tempo to set now (call DuetEngine::set_tempo with it), or none: leave the grid as
  // it is. Call it as often as the frontier moves (each grid step is right); it acts at
  // most once per grid beat. realtime-safe
  std::optional<double> update(const BeatPrediction& human, const GridState& grid);

  // The phase error the last update measured, in beats (positive: the grid is late).
  double last_error() const { return last_error_; }
  const TempoFollowerConfig& config() const { return config_; }

 private:
  TempoFollowerConfig config_;
  double acted_beat_ = -1e300;  // the grid beat of the last decision
  double last_error_ = 0;
  int last_direction_ = 0;
};

}  // namespace clara
