#include "core/duet/human_key.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace clara {
namespace {
constexpr std::int64_t kUp = std::numeric_limits<std::int64_t>::min();
}  // namespace

HumanKey::HumanKey(int steps_per_beat) : steps_per_beat_(steps_per_beat) {
  if (steps_per_beat <= 0) throw std::invalid_argument("HumanKey: steps_per_beat must be > 0");
  onset_.fill(kUp);
}

void HumanKey::note_on(int key, std::int64_t step) {
  if (key < 0 || key > 127) return;
  auto& onset = onset_[static_cast<std::size_t>(key)];
  if (onset == kUp) onset = step;
}

void HumanKey::note_off(int key, std::int64_t step) {
  if (key < 0 || key > 127) return;
  auto& onset = onset_[static_cast<std::size_t>(key)];
  if (onset == kUp) return;
  const std::int64_t steps = std::max<std::int64_t>(1, step - onset);
  onset = kUp;
  add(key % 12, static_cast<double>(steps) / steps_per_beat_, step);
}

void HumanKey::clear() {
  onset_.fill(kUp);
  profile_.fill(0.0);
  latest_ = 0;
  key_.reset();
  bias_.fill(0.0);
}

void HumanKey::add(int pitch_class, double beats, std::int64_t step) {
  const double half_life_steps = kHalfLifeBeats * steps_per_beat_;
  if (step > latest_) {
    const double decay = std::exp2(-static_cast<double>(step - latest_) / half_life_steps);
    for (double& w : profile_) w *= decay;
    latest_ = step;
  }
  profile_[static_cast<std::size_t>(pitch_class)] +=
      beats * std::exp2(-static_cast<double>(latest_ - step) / half_life_steps);
  const auto estimate = estimate_key(profile_);
  if (estimate) {
    key_ = estimate->key;
    bias_ = key_keeping_bias(estimate->key);
  } else {
    key_.reset();
  }
}

std::array<double, 12> key_keeping_bias(const Key& key) {
  std::array<double, 12> bias = key_profile(key);
  double mean = 0;
  for (double& b : bias) {
    b = std::log(b);
    mean += b;
  }
  mean /= 12;
  for (double& b : bias) b -= mean;
  return bias;
}

}  // namespace clara
