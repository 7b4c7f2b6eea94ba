#include "core/duet/tempo_map.hpp"

#include <algorithm>
#include <cmath>

namespace clara {

TempoMap::TempoMap(int sample_freq, double bpm, std::int64_t origin_ns)
    : sample_freq_(sample_freq), segments_{{0, origin_ns, bpm}} {}

std::int64_t TempoMap::time_of(std::int64_t s) const {
  auto it = std::upper_bound(segments_.begin() + 1, segments_.end(), s,
                             [](std::int64_t v, const Segment& g) { return v < g.step; });
  const Segment& g = *(it - 1);
  return g.ns + std::llround(static_cast<double>(s - g.step) * step_ns(g));
}

double TempoMap::step_at(std::int64_t t) const {
  auto it = std::upper_bound(segments_.begin() + 1, segments_.end(), t,
                             [](std::int64_t v, const Segment& g) { return v < g.ns; });
  const Segment& g = *(it - 1);
  const double step = static_cast<double>(g.step) + static_cast<double>(t - g.ns) / step_ns(g);
  // After a re-anchor the grid waits: the time between where the old segment would have
  // reached the next one's step and that segment's start maps to that step.
  return it == segments_.end() ? step : std::min(step, static_cast<double>(it->step));
}

void TempoMap::set_tempo(std::int64_t step, double bpm) {
  const Segment g{step, time_of(step), bpm};
  if (segments_.back().step == g.step)
    segments_.back() = g;
  else
    segments_.push_back(g);
}

void TempoMap::reanchor(std::int64_t step, std::int64_t ns) {
  const Segment g{step, std::max(ns, time_of(step)), bpm()};
  if (segments_.back().step == g.step)
    segments_.back() = g;
  else
    segments_.push_back(g);
}

}  // namespace clara
