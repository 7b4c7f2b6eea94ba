#pragma once
// Percentile bootstrap confidence intervals: resample the samples (with replacement, as
// many as there are), recompute the statistic, take the central `level` of the results.
// Seeded, so an interval is reproducible.
#include <cstdint>
#include <functional>
#include <span>

namespace clara {

struct Interval {
  double low = 0, high = 0;
};

struct BootstrapOptions {
  std::uint64_t seed = 0;
  int resamples = 1000;  // >= 1
  double level = 0.95;   // in (0, 1)
  // Throws std::invalid_argument naming the bad field.
  void validate() const;
};

// `statistic` gets the indices (0..samples-1, repeats allowed) of one resample.
// Throws std::invalid_argument for samples == 0 or bad options.
Interval bootstrap_interval(std::size_t samples,
                            const std::function<double(std::span<const std::size_t>)>& statistic,
                            const BootstrapOptions& options);

// The interval of the mean of `values`.
Interval bootstrap_mean_interval(std::span<const double> values, const BootstrapOptions& options);

}  // namespace clara
