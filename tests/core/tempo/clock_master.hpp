#pragma once
// A fabricated MIDI Clock master for the clock tests: the true time of every song
// position (a tempo that holds, then ramps linearly in ticks, then holds again) and the
// jittered arrival times of its ticks (uniform ±jitter, fixed seed).
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace clara::testing {

struct ClockMaster {
  double start_ns = 1e9;           // song tick 0 (the first tick after Start)
  double bpm0 = 120, bpm1 = 120;   // tempo before and after the ramp
  double ramp_from = 0, ramp_ticks = 0;  // the ramp, in song ticks (0 ticks: no ramp)

  double bpm_at(double tick) const {
    if (ramp_ticks <= 0 || tick <= ramp_from) return bpm0;
    if (tick >= ramp_from + ramp_ticks) return bpm1;
    return bpm0 + (bpm1 - bpm0) * (tick - ramp_from) / ramp_ticks;
  }
  // The exact time of (fractional) song tick x: the integral of the tick period.
  double time_of(double x) const {
    const double k = 60e9 / 24;  // ns per tick at 1 bpm
    if (ramp_ticks <= 0 || x <= ramp_from) return start_ns + x * k / bpm0;
    double t = start_ns + ramp_from * k / bpm0;
    const double in_ramp = std::min(x, ramp_from + ramp_ticks) - ramp_from;
    const double slope = (bpm1 - bpm0) / ramp_ticks;
    t += slope == 0 ? in_ramp * k / bpm0 : k / slope * std::log((bpm0 + slope * in_ramp) / bpm0);
    if (x > ramp_from + ramp_ticks) t += (x - ramp_from - ramp_ticks) * k / bpm1;
    return t;
  }
  // Arrival times of ticks first..last (song ticks; negative ones come before Start).
  std::vector<std::int64_t> arrivals(int first, int last, double jitter_ms, unsigned seed) const {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(-jitter_ms * 1e6, jitter_ms * 1e6);
    std::vector<std::int64_t> out;
    for (int i = first; i <= last; ++i) out.push_back(std::llround(time_of(i) + u(rng)));
    return out;
  }
};

}  // namespace clara::testing
