#include "tools/jackio/clock_schedule.hpp"

#include <cmath>
#include <random>
#include <stdexcept>
#include <string>

namespace clara::jackio {

void ClockPlan::validate() const {
  auto need = [](bool ok, const char* field, const char* why) {
    if (!ok) throw std::invalid_argument(std::string("clock: ") + field + " " + why);
  };
  need(std::isfinite(bpm) && bpm >= 20 && bpm <= 400, "bpm", "must be in [20, 400]");
  need(ramp_to == 0 || (std::isfinite(ramp_to) && ramp_to >= 20 && ramp_to <= 400), "ramp_to",
       "must be 0 (none) or in [20, 400]");
  need(std::isfinite(ramp_from_bar) && ramp_from_bar >= 0, "ramp_from_bar", "must be >= 0");
  need(std::isfinite(ramp_bars) && ramp_bars >= 0 && (ramp_to == 0 || ramp_bars > 0), "ramp_bars",
       "must be > 0 with a ramp");
  need(bars >= 1 && bars <= 10000, "bars", "must be in [1, 10000]");
  need(beats_per_bar >= 1 && beats_per_bar <= 32, "beats_per_bar", "must be in [1, 32]");
  need(std::isfinite(jitter_ms) && jitter_ms >= 0 && jitter_ms <= 5, "jitter_ms", "must be in [0, 5]");
  need(lead_in_beats >= 0 && lead_in_beats <= 64, "lead_in_beats", "must be in [0, 64]");
}

namespace {

// Time of (fractional) song tick x after tick 0, ns: the integral of the period, the tempo
// linear in ticks over the ramp.
double tick_time(const ClockPlan& p, double x) {
  const double k = 60e9 / 24;
  const double bar = 24.0 * p.beats_per_bar;
  const double from = p.ramp_from_bar * bar, len = p.ramp_bars * bar;
  if (p.ramp_to == 0 || x <= from) return x * k / p.bpm;
  double t = from * k / p.bpm;
  const double in = std::min(x, from + len) - from;
  const double slope = (p.ramp_to - p.bpm) / len;
  t += slope == 0 ? in * k / p.bpm : k / slope * std::log((p.bpm + slope * in) / p.bpm);
  if (x > from + len) t += (x - from - len) * k / p.ramp_to;
  return t;
}

}  // namespace

ClockSchedule clock_schedule(const ClockPlan& p) {
  p.validate();
  ClockSchedule s;
  std::mt19937_64 rng(p.seed);
  std::uniform_real_distribution<double> jitter(-p.jitter_ms * 1e6, p.jitter_ms * 1e6);
  const int lead = 24 * p.lead_in_beats;
  const int last = 24 * p.beats_per_bar * p.bars;  // Stop comes before this tick
  // Song tick -lead at 2 ms (room for jitter before zero).
  const double origin = 2e6 - tick_time(p, -lead);
  auto at = [&](double x) { return origin + tick_time(p, x); };
  auto push = [&](double t, std::uint8_t status) {
    s.messages.push_back(TimedMessage{std::llround(t), ShortMessage{status, 0, 0}, 0});
  };
  for (int i = -lead; i < 0; ++i) push(at(i) + jitter(rng), 0xF8);
  push(at(-0.5), 0xFA);
  for (int i = 0; i < last; ++i) {
    push(at(i) + jitter(rng), 0xF8);
    s.grid_ns.push_back(at(i));
  }
  push(at(last - 0.5), 0xFC);
  // Masters keep the clock going while stopped.
  for (int i = last; i < last + 24; ++i) push(at(i) + jitter(rng), 0xF8);
  return s;
}

}  // namespace clara::jackio
