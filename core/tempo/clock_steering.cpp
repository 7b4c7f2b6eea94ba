#include "core/tempo/clock_steering.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace clara {
namespace {

// Bar lines tried before giving up on this update (the next one tries again): with
// max_slide >= 1.25 a reachable master bar line exists within two grid bars.
constexpr int kMaxBarsTried = 8;
// A tracked step that lands this many steps or less off the master's is caught up at the
// slide's limit; further off, the grid aligns anew on a bar line. Two: the engine's frontier runs
// up to two steps ahead of the clock (commit_steps 1), so a change of tempo seen now leaves the
// next step up to about two steps' worth of the change off.
constexpr double kCatchUpSteps = 2;

double step_ns(double bpm, int sample_freq) { return 60e9 / (bpm * sample_freq); }

}  // namespace

void ClockSteeringConfig::validate() const {
  auto need = [](bool ok, const char* field, const char* why) {
    if (!ok) throw std::invalid_argument(std::string("clock steering: ") + field + " " + why);
  };
  need(std::isfinite(tolerance_ms) && tolerance_ms >= 0 && tolerance_ms <= 10, "tolerance_ms", "must be in [0, 10]");
  need(std::isfinite(max_slide) && max_slide >= 1.25 && max_slide <= 4, "max_slide", "must be in [1.25, 4]");
  need(std::isfinite(min_bpm) && std::isfinite(max_bpm) && min_bpm > 0 && min_bpm < max_bpm, "min_bpm",
       "must be positive and below max_bpm");
}

ClockSteering::ClockSteering(const ClockSteeringConfig& config) : config_(config) { config_.validate(); }

double ClockSteering::song_tick_of(std::int64_t step, int sample_freq) const {
  return anchor_tick_ + static_cast<double>(step - anchor_step_) * 24.0 / sample_freq;
}

std::optional<double> ClockSteering::align(const MasterTimeline& master, const ClockGrid& g) {
  const std::int64_t bar_steps = static_cast<std::int64_t>(g.beats_per_bar) * g.sample_freq;
  const double bar_ticks = 24.0 * g.beats_per_bar;
  const double master_bpm = master.bpm();
  if (bar_steps <= 0 || !(master_bpm > 0)) return std::nullopt;
  const double fastest = std::min(config_.max_bpm, master_bpm * config_.max_slide);
  const double slowest = std::max(config_.min_bpm, master_bpm / config_.max_slide);
  std::int64_t bar_line = (g.frontier / bar_steps + 1) * bar_steps;  // after the frontier: its time is fixed
  const double at_frontier = master.song_tick_at(g.frontier_ns);
  for (int tries = 0; tries < kMaxBarsTried; ++tries, bar_line += bar_steps) {
    const double steps = static_cast<double>(bar_line - g.frontier);
    // Master bar lines from the one after the frontier's time, earliest first: the
    // earliest one the grid reaches without running faster than `fastest`.
    const double first = std::max(0.0, std::ceil(at_frontier / bar_ticks));
    for (double m = first; m < first + 4 * kMaxBarsTried; m += 1) {
      const double ns = master.time_of_song_tick(m * bar_ticks) - static_cast<double>(g.frontier_ns);
      if (ns <= 0) continue;
      const double bpm = 60e9 * steps / (g.sample_freq * ns);
      if (bpm > fastest) continue;
      if (bpm < slowest) break;  // this grid bar line is too near any master bar line: try the next
      aligned_ = true;
      anchor_step_ = bar_line;
      anchor_tick_ = m * bar_ticks;
      ++alignments_;
      return bpm;
    }
  }
  return std::nullopt;
}

std::optional<double> ClockSteering::update(const MasterTimeline& master, const ClockGrid& g) {
  if (!aligned_) return align(master, g);
  if (g.frontier < anchor_step_) {
    // Still sliding to the anchor bar line: its time was predicted from the first beats of
    // clock; the prediction improves with every tick, so the slide's tempo follows it.
    const double target = master.time_of_song_tick(anchor_tick_);
    const double steps = static_cast<double>(anchor_step_ - g.frontier);
    const double ns = target - static_cast<double>(g.frontier_ns);
    last_error_ms_ = (static_cast<double>(g.frontier_ns) + steps * step_ns(g.bpm, g.sample_freq) - target) / 1e6;
    if (!(ns > 0)) {
      aligned_ = false;
      return align(master, g);
    }
    if (std::abs(last_error_ms_) <= config_.tolerance_ms) return std::nullopt;
    return std::clamp(60e9 * steps / (g.sample_freq * ns), config_.min_bpm, config_.max_bpm);
  }
  const double target = master.time_of_song_tick(song_tick_of(g.frontier + 1, g.sample_freq));
  const double need = target - static_cast<double>(g.frontier_ns);
  const double nominal = step_ns(master.bpm(), g.sample_freq);
  last_error_ms_ = (static_cast<double>(g.frontier_ns) + step_ns(g.bpm, g.sample_freq) - target) / 1e6;
  const double fastest = nominal / config_.max_slide, slowest = nominal * config_.max_slide;
  if (!(need > fastest && need < slowest)) {
    if (!(std::abs(need - nominal) < kCatchUpSteps * nominal)) {
      aligned_ = false;  // out of reach by tempo alone: align on a later bar line
      return align(master, g);
    }
    // A jump of tempo (a Link peer's change arrives after Clara committed the frontier at the
    // old one): out of reach now, made up within a few steps at the slide's limit (a third of a
    // step each at 1.5), where aligning anew would leave her silent for a bar or two.
    return std::clamp(60e9 / (g.sample_freq * std::clamp(need, fastest, slowest)), config_.min_bpm, config_.max_bpm);
  }
  if (std::abs(last_error_ms_) <= config_.tolerance_ms) return std::nullopt;
  return std::clamp(60e9 / (g.sample_freq * need), config_.min_bpm, config_.max_bpm);
}

}  // namespace clara
