#include "core/tempo/clock_estimator.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace clara {
namespace {

// Beyond this many ticks ahead the drift is not extrapolated further: a drift estimated
// over a ramp must not bend a prediction made across a long dropout.
constexpr double kMaxDriftTicks = 96;

}  // namespace

void ClockEstimatorConfig::validate() const {
  auto need = [](bool ok, const char* field, const std::string& why) {
    if (!ok) throw std::invalid_argument(std::string("clock estimator: ") + field + " " + why);
  };
  need(std::isfinite(jitter_ms) && jitter_ms > 0 && jitter_ms <= 50, "jitter_ms", "must be in (0, 50]");
  need(std::isfinite(jerk) && jerk >= 0 && jerk <= 1, "jerk", "must be in [0, 1]");
  need(std::isfinite(initial_period_ms) && initial_period_ms >= 60000.0 / (400 * 24) &&
           initial_period_ms <= 60000.0 / (20 * 24),
       "initial_period_ms", "must be a tick at 20..400 bpm");
  need(std::isfinite(outlier_sigmas) && outlier_sigmas >= 2, "outlier_sigmas", "must be >= 2");
  need(std::isfinite(outlier_floor_ms) && outlier_floor_ms >= 0, "outlier_floor_ms", "must be >= 0");
  need(outliers_to_reset >= 1, "outliers_to_reset", "must be >= 1");
  need(std::isfinite(nis_ticks) && nis_ticks >= 1 && nis_ticks <= 1000, "nis_ticks", "must be in [1, 1000]");
  need(std::isfinite(nis_threshold) && nis_threshold >= 1, "nis_threshold", "must be >= 1");
  need(std::isfinite(boost) && boost >= 1 && boost <= 1e6, "boost", "must be in [1, 1e6]");
}

ClockEstimator::ClockEstimator(const ClockEstimatorConfig& config) : config_(config) {
  config_.validate();
  reset();
}

void ClockEstimator::reset() {
  fed_ = 0;
  outliers_in_row_ = 0;
  nis_ = 1;
  x_[0] = x_[1] = x_[2] = 0;
  for (auto& row : P_) row[0] = row[1] = row[2] = 0;
  x_[1] = config_.initial_period_ms;
}

bool ClockEstimator::tick(std::int64_t index, std::int64_t time_ns) {
  const double r = config_.jitter_ms * config_.jitter_ms;
  if (fed_ == 0) {
    origin_ns_ = time_ns;
    x_[0] = 0;
    P_[0][0] = r;
    fed_ = 1, last_index_ = index, last_ns_ = time_ns;
    return true;
  }
  if (index <= last_index_) return false;
  const double z = static_cast<double>(time_ns - origin_ns_) / 1e6;
  const double d = static_cast<double>(index - last_index_);
  if (fed_ == 1) {
    // Two ticks give the period; its drift starts at zero, loosely held (a ramp's is ~0.01).
    x_[1] = (z - x_[0]) / d;
    x_[0] = z;
    x_[2] = 0;
    for (auto& row : P_) row[0] = row[1] = row[2] = 0;
    P_[0][0] = r;
    P_[0][1] = P_[1][0] = r / d;
    P_[1][1] = 2 * r / (d * d);
    P_[2][2] = 0.02 * 0.02;
    fed_ = 2, last_index_ = index, last_ns_ = time_ns;
    return true;
  }

  // Predict across d ticks.
  const double F[3][3] = {{1, d, d * d / 2}, {0, 1, d}, {0, 0, 1}};
  const double q = config_.jerk * (nis_ > config_.nis_threshold ? config_.boost : 1.0);
  const double d2 = d * d, d3 = d2 * d, d4 = d3 * d, d5 = d4 * d;
  const double Q[3][3] = {{q * d5 / 20, q * d4 / 8, q * d3 / 6},
                          {q * d4 / 8, q * d3 / 3, q * d2 / 2},
                          {q * d3 / 6, q * d2 / 2, q * d}};
  double xp[3], FP[3][3], Pp[3][3];
  for (int i = 0; i < 3; ++i) xp[i] = F[i][0] * x_[0] + F[i][1] * x_[1] + F[i][2] * x_[2];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) FP[i][j] = F[i][0] * P_[0][j] + F[i][1] * P_[1][j] + F[i][2] * P_[2][j];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) Pp[i][j] = FP[i][0] * F[j][0] + FP[i][1] * F[j][1] + FP[i][2] * F[j][2] + Q[i][j];

  const double y = z - xp[0];
  const double s = Pp[0][0] + r;
  if (fed_ >= 3 && std::abs(y) > std::max(config_.outlier_sigmas * std::sqrt(s), config_.outlier_floor_ms)) {
    if (++outliers_in_row_ >= config_.outliers_to_reset) {
      // The tempo jumped (or the clock restarted): this tick begins a new estimate.
      reset();
      tick(index, time_ns);
    }
    return false;
  }
  outliers_in_row_ = 0;
  nis_ += (y * y / s - nis_) / config_.nis_ticks;
  const double k[3] = {Pp[0][0] / s, Pp[1][0] / s, Pp[2][0] / s};
  for (int i = 0; i < 3; ++i) x_[i] = xp[i] + k[i] * y;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) P_[i][j] = Pp[i][j] - k[i] * Pp[0][j];
  ++fed_, last_index_ = index, last_ns_ = time_ns;
  return true;
}

double ClockEstimator::period_ns() const { return x_[1] * 1e6; }

double ClockEstimator::time_of(double index) const {
  const double d = index - static_cast<double>(last_index_);
  const double dd = std::clamp(d, -kMaxDriftTicks, kMaxDriftTicks);
  // The drift bends the curve up to kMaxDriftTicks; beyond, the period reached there holds.
  const double ms = x_[0] + x_[1] * d + x_[2] * (dd * dd / 2 + dd * (d - dd));
  return static_cast<double>(origin_ns_) + ms * 1e6;
}

double ClockEstimator::index_at(std::int64_t time_ns) const {
  double n = static_cast<double>(last_index_) + (static_cast<double>(time_ns) - time_of(static_cast<double>(last_index_))) / period_ns();
  for (int i = 0; i < 4; ++i) {
    const double slope = (time_of(n + 0.5) - time_of(n - 0.5));  // ns per tick there
    if (!(slope > 0)) break;
    n += (static_cast<double>(time_ns) - time_of(n)) / slope;
  }
  return n;
}

double ClockEstimator::time_sd_ms() const { return std::sqrt(std::max(0.0, P_[0][0])); }

}  // namespace clara
