#include "core/model/training/lr_schedule.hpp"

#include <algorithm>
#include <stdexcept>

namespace clara::model {

double LrSchedule::at(std::size_t stage, std::int64_t iteration, std::int64_t stage_iterations) const {
  if (stage >= peaks.size()) throw std::out_of_range("LrSchedule: no stage " + std::to_string(stage));
  if (stage_iterations < 1) throw std::invalid_argument("LrSchedule: a stage needs at least one iteration");
  const double peak = peaks[stage];
  const double n = static_cast<double>(stage_iterations);
  const double rise = std::max(1.0, n * rise_fraction);
  const double i = std::clamp(static_cast<double>(iteration), 0.0, n);
  // Fraction of the way from the floor (peak/div) to the peak.
  const double up = i <= rise ? i / rise : 1.0 - (i - rise) / std::max(1.0, n - rise);
  return peak * (1.0 + std::max(0.0, up) * (div - 1.0)) / div;
}

}  // namespace clara::model
