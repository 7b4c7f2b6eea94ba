#pragma once
// Puts the duet grid on a master's grid (a MIDI Clock master, an Ableton Link session; see
// master_timeline.hpp), bar line on bar line, with the one control the engine has: set_tempo at
// the frontier, which never moves a committed step (nor the frontier's own time; it sets when
// the steps after it fall).
//
// Two phases:
//  - aligning (after realign(): Start, Continue, a lost or broken alignment): the grid
//    runs from the frontier to one of its own bar lines, chosen with a master bar line such
//    that the tempo between stays within max_slide of the master's (that tempo follows the
//    master's predicted time of the bar line as more ticks come in); from that
//    step on grid bar lines are master bar lines (Clara is best silent until then:
//    aligned() says when);
//  - tracking: at each new frontier f, the tempo is set so that step f+1 falls at the
//    master's predicted time of that position (a deadbeat law: a phase error is gone after
//    one step, not integrated away over beats). A master tick estimate is smooth already
//    (ClockEstimator), so the law adds no noise of its own; it is left alone when the step
//    would land within `tolerance_ms` anyway, so a steady master does not fill the session
//    log with tempo changes. A step the law cannot reach within max_slide is caught up at
//    max_slide over the next steps when it is at most two steps off (a sudden change of tempo
//    seen after the frontier was committed at the old one); further off (the grid slid after a
//    stall, the master jumped) it starts aligning again.
// Why not the tempo follower's proportional law: a clock master is exact and
// continuous, and a grid that lags it by the commit horizon's worth of prediction error
// only: the deadbeat law is the one whose error is the estimator's and nothing more.
// Pure: the caller passes the grid and the clock.
#include <cstdint>
#include <optional>

#include "core/tempo/master_timeline.hpp"

namespace clara {

// The engine's grid where a tempo change would take effect.
struct ClockGrid {
  std::int64_t frontier = 0;     // DuetEngine::frontier()
  std::int64_t frontier_ns = 0;  // DuetEngine::time_of_step(frontier())
  double bpm = 120;              // the grid's tempo now
  int sample_freq = 4;           // grid steps per quarter note
  int beats_per_bar = 4;
};

struct ClockSteeringConfig {
  double tolerance_ms = 0.2;  // the next step lands within this of the master's: no change
  double max_slide = 1.5;     // the grid runs at most this factor faster or slower than the master
  double min_bpm = 20, max_bpm = 400;  // what set_tempo accepts
  void validate() const;      // std::invalid_argument naming the field
};

class ClockSteering {
 public:
  explicit ClockSteering(const ClockSteeringConfig& config = {});  // validates

  // Aligning starts again at the next update (Start, Continue, after a loss).
  void realign() { aligned_ = false; }
  // The tempo to set now, or none. `master` must be running (a MidiClock: locked too). realtime-safe
  std::optional<double> update(const MasterTimeline& master, const ClockGrid& grid);

  // Grid bar lines fall on the master's from this step on (false while aligning).
  bool aligned(std::int64_t frontier) const { return aligned_ && frontier >= anchor_step_; }
  std::int64_t anchor_step() const { return anchor_step_; }
  // The master's song tick for grid step `step` (after alignment).
  double song_tick_of(std::int64_t step, int sample_freq) const;
  // Where step frontier+1 would have landed without the last update's change, minus the
  // master's time for it, ms (positive: the grid was late).
  double last_error_ms() const { return last_error_ms_; }
  std::uint64_t alignments() const { return alignments_; }

 private:
  std::optional<double> align(const MasterTimeline& master, const ClockGrid& grid);

  ClockSteeringConfig config_;
  bool aligned_ = false;
  std::int64_t anchor_step_ = 0;  // a grid bar line ...
  double anchor_tick_ = 0;        // ... and the master's bar line (song tick) on it
  double last_error_ms_ = 0;
  std::uint64_t alignments_ = 0;
};

}  // namespace clara
