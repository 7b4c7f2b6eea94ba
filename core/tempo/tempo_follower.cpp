#include "core/tempo/tempo_follower.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace clara {

void TempoFollowerConfig::validate() const {
  auto fail = [](const char* what) { throw std::invalid_argument(std::string("TempoFollowerConfig: ") + what); };
  if (!(pull_beats >= 1)) fail("pull_beats must be >= 1");
  if (!(max_pull > 0 && max_pull < 0.5)) fail("max_pull must be in (0, 0.5)");
  if (!(min_change >= 0 && min_change < 0.5)) fail("min_change must be in [0, 0.5)");
  if (!(min_confidence >= 0 && min_confidence <= 1)) fail("min_confidence must be in [0, 1]");
  if (!(min_bpm > 0 && max_bpm > min_bpm)) fail("min_bpm/max_bpm must satisfy 0 < min_bpm < max_bpm");
}

TempoFollower::TempoFollower(const TempoFollowerConfig& config) : config_((config.validate(), config)) {}

std::optional<double> TempoFollower::update(const BeatPrediction& human, const GridState& grid) {
  const bool sure = human.locked || human.confidence >= config_.min_confidence;
  if (!sure || !(human.period_ns > 0) || !(grid.bpm > 0)) return std::nullopt;
  const double beat = std::floor(grid.frontier_beat);
  if (beat <= acted_beat_) return std::nullopt;
  acted_beat_ = beat;

  // Both phases at the frontier, in beats: the human's from the predicted next beat, the
  // grid's from its own count.
  const double human_phase =
      static_cast<double>(grid.frontier_ns - human.next_beat_ns) / human.period_ns;
  double e = human_phase - grid.frontier_beat;
  e -= std::floor(e + 0.5);  // [-1/2, 1/2)
  if (std::abs(e) > 0.4 && last_direction_ != 0 && (e > 0 ? 1 : -1) != last_direction_)
    e += e > 0 ? -1.0 : 1.0;  // keep pulling the way it was: no flip-flop near half a beat
  last_error_ = e;

  const double pull = std::clamp(e / config_.pull_beats, -config_.max_pull, config_.max_pull);
  last_direction_ = std::abs(e) > 0.05 ? (e > 0 ? 1 : -1) : 0;
  const double bpm = std::clamp(human.bpm * (1 + pull), config_.min_bpm, config_.max_bpm);
  if (std::abs(bpm / grid.bpm - 1) < config_.min_change) return std::nullopt;
  return bpm;
}

}  // namespace clara
