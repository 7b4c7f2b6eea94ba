#include "core/tempo/linear_timeline.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace clara {

LinearTimeline::LinearTimeline(double bpm, double beat, std::int64_t time_ns)
    : bpm_(bpm), beat_(beat), time_ns_(time_ns) {
  if (!(std::isfinite(bpm) && bpm > 0 && std::isfinite(beat)))
    throw std::invalid_argument("linear timeline: bpm " + std::to_string(bpm) + " and beat " + std::to_string(beat) +
                                " must be finite, bpm positive");
}

double LinearTimeline::beat_at(std::int64_t time_ns) const {
  return beat_ + static_cast<double>(time_ns - time_ns_) * bpm_ / 60e9;
}

double LinearTimeline::time_of_beat(double beat) const {
  return static_cast<double>(time_ns_) + (beat - beat_) * 60e9 / bpm_;
}

}  // namespace clara
