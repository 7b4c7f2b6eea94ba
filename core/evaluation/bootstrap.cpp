#include "core/evaluation/bootstrap.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace clara {

void BootstrapOptions::validate() const {
  if (resamples < 1)
    throw std::invalid_argument("bootstrap: resamples must be >= 1, not " +
                                std::to_string(resamples));
  if (!(level > 0 && level < 1))
    throw std::invalid_argument("bootstrap: level must be in (0, 1), not " + std::to_string(level));
}

Interval bootstrap_interval(std::size_t samples,
                            const std::function<double(std::span<const std::size_t>)>& statistic,
                            const BootstrapOptions& options) {
  options.validate();
  if (samples == 0) throw std::invalid_argument("bootstrap: no samples");
  // mt19937_64's output is fixed by the standard; the modulo (not a distribution, whose
  // algorithm each library chooses) keeps the draws the same on every platform.
  std::mt19937_64 rng(options.seed);
  std::vector<std::size_t> pick(samples);
  std::vector<double> stats(static_cast<std::size_t>(options.resamples));
  for (double& s : stats) {
    for (std::size_t& i : pick) i = static_cast<std::size_t>(rng() % samples);
    s = statistic(pick);
  }
  std::sort(stats.begin(), stats.end());
  // Nearest-rank percentiles of the sorted resample statistics.
  const double tail = (1 - options.level) / 2;
  const auto rank = [&](double q) {
    const double r = std::ceil(q * static_cast<double>(stats.size())) - 1;
    return stats[static_cast<std::size_t>(
        std::clamp(r, 0.0, static_cast<double>(stats.size() - 1)))];
  };
  return Interval{rank(tail), rank(1 - tail)};
}

Interval bootstrap_mean_interval(std::span<const double> values, const BootstrapOptions& options) {
  return bootstrap_interval(
      values.size(),
      [&](std::span<const std::size_t> pick) {
        double s = 0;
        for (std::size_t i : pick) s += values[i];
        return s / static_cast<double>(pick.size());
      },
      options);
}

}  // namespace clara
