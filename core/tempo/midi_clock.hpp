#pragma once
// A MIDI Clock follower: the master's 24-ppqn ticks (0xF8) and its transport (Start 0xFA,
// Stop 0xFC, Continue 0xFB, Song Position Pointer 0xF2) as they arrive, turned into the
// master's song position as a function of time. The tick times go through a
// ClockEstimator, so jitter is smoothed and a ramp followed; the transport follows the
// MIDI 1.0 rules:
//  - the first tick after Start is song position 0 (the master's bar 1, beat 1);
//  - Stop freezes the position at the tick after the last one counted; Continue resumes
//    from there with the next tick; Song Position Pointer (in sixteenths, 6 ticks each)
//    moves it while stopped (ignored while running, as the standard asks);
//  - ticks go on while stopped on most masters: the tempo stays locked meanwhile.
// Dropouts: a tick missing for `hold_periods` periods is held (the estimate extrapolates,
// holding() is true); after `lost_periods` the clock is lost: unlocked and stopped, and a
// Start or Continue is needed to run again. A gap shorter than that counts the ticks it
// must have held (by the estimated period), so the position stays right across it.
// Pure: the caller passes every time; tested with fabricated tick times.
#include <cstdint>

#include "core/midi/short_message.hpp"
#include "core/tempo/clock_estimator.hpp"
#include "core/tempo/master_timeline.hpp"

namespace clara {

struct MidiClockConfig {
  ClockEstimatorConfig estimator;
  int lock_ticks = 24;        // ticks fed since the estimate began before it counts as locked
  double hold_periods = 3;    // no tick for this many periods: holding
  double lost_periods = 48;   // ... and for this many (two beats): lost
  void validate() const;      // std::invalid_argument naming the field
};

enum class ClockEvent : std::uint8_t {
  none,
  started,    // the first tick after Start: song position 0 is at its time
  stopped,    // Stop
  continued,  // the first tick after Continue
  position,   // Song Position Pointer while stopped
  lost,       // no tick for lost_periods
};
const char* to_string(ClockEvent e);

class MidiClock final : public MasterTimeline {
 public:
  explicit MidiClock(const MidiClockConfig& config = {});  // validates

  // True for the messages this class takes: 0xF8, 0xFA, 0xFB, 0xFC, 0xF2.
  static bool is_clock_message(const ShortMessage& m);
  // One message at its arrival time (non-decreasing). Others are ignored (none). realtime-safe
  ClockEvent message(const ShortMessage& m, std::int64_t time_ns);
  // Call as time passes (each inference tick): `lost` once when the ticks stopped coming.
  // realtime-safe
  ClockEvent poll(std::int64_t now_ns);

  bool locked() const { return !lost_ && estimator_.ticks() >= config_.lock_ticks; }
  bool running() const { return running_; }
  bool holding(std::int64_t now_ns) const;
  double bpm() const override { return estimator_.has_estimate() ? estimator_.bpm() : 0.0; }
  // The song position (ticks since the master's bar 1) at a time, and the time of one,
  // from the estimate; meaningful while running() and locked().
  double song_tick_at(std::int64_t time_ns) const override;
  double time_of_song_tick(double song_tick) const override;
  // The song position of the next tick to arrive (stopped: where Continue resumes).
  std::int64_t next_song_tick() const;
  const ClockEstimator& estimator() const { return estimator_; }
  std::uint64_t ticks_seen() const { return ticks_seen_; }
  std::uint64_t outliers() const { return outliers_; }

 private:
  ClockEvent on_tick(std::int64_t time_ns);

  MidiClockConfig config_;
  ClockEstimator estimator_;
  std::int64_t raw_ = -1;          // index of the last tick (counting held ones)
  std::int64_t last_tick_ns_ = 0;  // its arrival (an outlier the estimator refused included)
  std::int64_t song_origin_ = 0;   // raw index of song position 0
  std::int64_t stopped_at_ = 0;    // song position the next tick gets after Continue
  bool running_ = false, lost_ = false;
  enum class Pending : std::uint8_t { none, start, resume } pending_ = Pending::none;
  std::uint64_t ticks_seen_ = 0, outliers_ = 0;
};

}  // namespace clara
