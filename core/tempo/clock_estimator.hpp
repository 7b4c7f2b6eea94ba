#pragma once
// The time of a MIDI clock's ticks, estimated from their (jittery) arrival times: a
// Kalman filter over the tick index n with the state
//
//     t  the time of tick n,   p = dt/dn  the period,   a = dp/dn  the period's drift
//
// and a white "jerk" driving a (the constant-acceleration model). Why this model:
//  - a ramp (the master's tempo sliding over bars) is a drifting period; a filter with
//    only (t, p) follows it with a lag that grows with its smoothing (a linear fit to a
//    curve), which here cost about 2 ms at 100->140 bpm over 8 bars. With a in the state
//    a linear ramp of the period is followed without bias;
//  - each tick is one measurement with variance jitter_ms^2 (arrival jitter, the
//    sender's and the transport's): the gain weighs it against the prediction, so the
//    ±1 ms of a USB interface averages out over tens of ticks while a tempo change is
//    still taken within a beat or two;
//  - the index step between two measurements may exceed 1 (a lost tick, or ticks the
//    caller did not feed): the transition and its noise are written for any step d.
// Times are doubles in ms relative to the first tick fed, so the ns clock's magnitude
// never costs precision. Pure and deterministic; no clock of its own. Not thread-safe.
#include <cstdint>

namespace clara {

struct ClockEstimatorConfig {
  double jitter_ms = 0.6;       // standard deviation of a tick's arrival time (±1 ms uniform: 0.58)
  double jerk = 1e-7;           // white noise density of the period's drift (ms/tick^2 per tick)
  // Adaptive: while the innovations run larger than their variance says (their squares
  // over it, averaged over about `nis_ticks` ticks, above `nis_threshold`), the drift's
  // noise is `boost` times larger, so a ramp's corner is taken in a few ticks while a
  // steady clock is smoothed over hundreds.
  double nis_ticks = 12, nis_threshold = 2, boost = 30;
  double initial_period_ms = 60000.0 / (120 * 24);  // the first guess (120 bpm), loosely held
  // A tick whose innovation exceeds max(outlier_sigmas standard deviations, outlier_floor_ms)
  // is not fed; `outliers_to_reset` of them in a row mean the tempo jumped: start afresh.
  double outlier_sigmas = 6, outlier_floor_ms = 4;
  int outliers_to_reset = 3;
  void validate() const;  // std::invalid_argument naming the field
};

class ClockEstimator {
 public:
  explicit ClockEstimator(const ClockEstimatorConfig& config = {});  // validates

  // Forgets everything (the next tick starts a new estimate).
  void reset();
  // Tick `index` arrived at `time_ns`; indices must increase. Returns false when the tick
  // was taken as an outlier and not fed (a run of them resets the estimate). realtime-safe
  bool tick(std::int64_t index, std::int64_t time_ns);

  std::int64_t ticks() const { return fed_; }             // fed since the last reset
  bool has_estimate() const { return fed_ >= 2; }
  std::int64_t last_index() const { return last_index_; }
  std::int64_t last_time_ns() const { return last_ns_; }
  // Period at the last tick, ns; and as bpm (24 ticks a quarter note).
  double period_ns() const;
  double bpm() const { return 60e9 / (24 * period_ns()); }
  // The predicted time of (fractional) tick `index`, ns, extrapolated from the last tick.
  double time_of(double index) const;
  // The tick index at `time_ns` (the inverse of time_of, by Newton steps).
  double index_at(std::int64_t time_ns) const;
  // Standard deviation of the estimate of the last tick's time, ms.
  double time_sd_ms() const;
  const ClockEstimatorConfig& config() const { return config_; }

 private:
  ClockEstimatorConfig config_;
  std::int64_t origin_ns_ = 0;  // the first tick's time: state times are ms after it
  std::int64_t fed_ = 0, last_index_ = 0, last_ns_ = 0;
  int outliers_in_row_ = 0;
  double nis_ = 1;              // the innovations' squares over their variance, averaged
  double x_[3] = {0, 0, 0};     // t (ms), p (ms/tick), a (ms/tick^2) at last_index_
  double P_[3][3] = {};         // their covariance
};

}  // namespace clara
