#include "core/generation/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace clara {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

[[noreturn]] void bad_parameter(const char* name, double value, const char* rule) {
  std::ostringstream msg;
  msg << "sampler parameter " << name << " = " << value << " is invalid: " << rule;
  throw std::invalid_argument(msg.str());
}

}  // namespace

std::string_view to_string(SamplingPolicy policy) {
  switch (policy) {
    case SamplingPolicy::kSeed: return "seed";
    case SamplingPolicy::kTemperature: return "temperature";
    case SamplingPolicy::kTopK: return "top-k";
    case SamplingPolicy::kTopP: return "top-p";
  }
  return "seed";
}

std::optional<SamplingPolicy> parse_sampling_policy(std::string_view name) {
  for (SamplingPolicy p : {SamplingPolicy::kSeed, SamplingPolicy::kTemperature, SamplingPolicy::kTopK,
                           SamplingPolicy::kTopP})
    if (to_string(p) == name) return p;
  return std::nullopt;
}

void SamplerConfig::validate() const {
  if (!std::isfinite(temperature) || temperature < 0.05 || temperature > 5.0)
    bad_parameter("temperature", temperature, "must be finite and within [0.05, 5]");
  if (top_k < 1) bad_parameter("top_k", top_k, "must be >= 1");
  if (!(top_p > 0.0 && top_p <= 1.0)) bad_parameter("top_p", top_p, "must be within (0, 1]");
  if (!(random_freq >= 0.0 && random_freq <= 1.0))
    bad_parameter("random_freq", random_freq, "must be within [0, 1]");
  if (!(key_keeping >= 0.0 && key_keeping <= kMaxKeyKeeping))
    bad_parameter("key_keeping", key_keeping, "must be within [0, 16] (0 = off)");
  if (policy != SamplingPolicy::kSeed && policy != SamplingPolicy::kTemperature &&
      policy != SamplingPolicy::kTopK && policy != SamplingPolicy::kTopP)
    bad_parameter("policy", static_cast<double>(policy), "unknown sampling policy");
}

Sampler::Sampler(std::size_t vocab_size, SamplerConfig config)
    : work_(vocab_size), weight_(vocab_size), order_(vocab_size) {
  if (vocab_size == 0) throw std::invalid_argument("Sampler: vocabulary size must be > 0");
  set_config(config);
}

void Sampler::set_config(const SamplerConfig& config) {
  config.validate();
  config_ = config;
  rng_.seed(config.seed);
}

void Sampler::reseed(std::uint64_t seed) { rng_.seed(seed); }

void Sampler::set_mask(const TokenMask& mask) {
  if (mask.size() != work_.size())
    throw std::invalid_argument("Sampler::set_mask: mask has " + std::to_string(mask.size()) +
                                " entries, vocabulary has " + std::to_string(work_.size()));
  mask_ = mask;
  has_mask_ = true;
}

void Sampler::clear_mask() { has_mask_ = false; }

void Sampler::set_pitch_classes(std::span<const std::int8_t> pitch_class_of_id) {
  if (pitch_class_of_id.size() != work_.size())
    throw std::invalid_argument("Sampler::set_pitch_classes: " + std::to_string(pitch_class_of_id.size()) +
                                " entries, vocabulary has " + std::to_string(work_.size()));
  for (std::int8_t c : pitch_class_of_id)
    if (c < -1 || c > 11)
      throw std::invalid_argument("Sampler::set_pitch_classes: pitch class " + std::to_string(c) +
                                  " is not within -1..11");
  pitch_class_.assign(pitch_class_of_id.begin(), pitch_class_of_id.end());
}

void Sampler::set_key_bias(const std::array<double, 12>& bias) {
  key_bias_ = bias;
  has_key_bias_ = true;
}

void Sampler::clear_key_bias() { has_key_bias_ = false; }

double Sampler::uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

int Sampler::sample(std::span<const float> logits, const NoteGrammar* grammar) {
  if (logits.size() != work_.size())
    throw std::invalid_argument("Sampler::sample: " + std::to_string(logits.size()) +
                                " logits for a vocabulary of " + std::to_string(work_.size()));
  const double big = std::numeric_limits<float>::max();
  for (std::size_t i = 0; i < work_.size(); ++i) {
    const double l = logits[i];
    work_[i] = std::isnan(l) ? kNegInf : (l == std::numeric_limits<double>::infinity() ? big : l);
    if (has_mask_ && !mask_[i]) work_[i] = kNegInf;
  }
  if (grammar) grammar->constrain(work_);
  if (config_.key_keeping > 0.0 && has_key_bias_ && !pitch_class_.empty()) {
    for (std::size_t i = 0; i < work_.size(); ++i) {
      const int c = pitch_class_[i];
      if (c >= 0 && work_[i] > kNegInf) work_[i] += config_.key_keeping * key_bias_[static_cast<std::size_t>(c)];
    }
  }

  std::size_t admissible = 0;
  for (std::size_t i = 0; i < work_.size(); ++i)
    if (work_[i] > kNegInf) order_[admissible++] = static_cast<int>(i);
  if (admissible == 0)
    throw NoAdmissibleToken("Sampler::sample: every token is forbidden (mask, grammar or -inf/NaN logits)");

  const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(config_.top_k), admissible);
  switch (config_.policy) {
    case SamplingPolicy::kSeed: {
      // Always consume the coin so the random stream does not depend on the logits' values.
      const bool explore = uniform() < config_.random_freq;
      if (!explore) {
        rank_top(admissible, 1);
        return order_[0];
      }
      return draw(rank_top(admissible, k));
    }
    case SamplingPolicy::kTemperature:
      return draw(admissible);
    case SamplingPolicy::kTopK:
      return draw(rank_top(admissible, k));
    case SamplingPolicy::kTopP:
      return draw_nucleus(admissible);
  }
  return order_[0];  // unreachable: validate() rejects unknown policies
}

std::size_t Sampler::rank_top(std::size_t admissible, std::size_t k) {
  auto better = [this](int a, int b) {
    const double la = work_[static_cast<std::size_t>(a)], lb = work_[static_cast<std::size_t>(b)];
    return la > lb || (la == lb && a < b);
  };
  auto first = order_.begin();
  std::partial_sort(first, first + static_cast<std::ptrdiff_t>(k),
                    first + static_cast<std::ptrdiff_t>(admissible), better);
  return k;
}

int Sampler::draw(std::size_t n) {
  double top = kNegInf;
  for (std::size_t r = 0; r < n; ++r) top = std::max(top, work_[static_cast<std::size_t>(order_[r])]);
  double sum = 0.0;
  for (std::size_t r = 0; r < n; ++r) {
    weight_[r] = std::exp((work_[static_cast<std::size_t>(order_[r])] - top) / config_.temperature);
    sum += weight_[r];
  }
  const double target = uniform() * sum;
  double acc = 0.0;
  for (std::size_t r = 0; r < n; ++r) {
    acc += weight_[r];
    if (target < acc) return order_[r];
  }
  return order_[n - 1];  // rounding left target at the very top
}

int Sampler::draw_nucleus(std::size_t admissible) {
  rank_top(admissible, admissible);
  const double top = work_[static_cast<std::size_t>(order_[0])];
  double sum = 0.0;
  for (std::size_t r = 0; r < admissible; ++r) {
    weight_[r] = std::exp((work_[static_cast<std::size_t>(order_[r])] - top) / config_.temperature);
    sum += weight_[r];
  }
  // Smallest prefix of the ranking whose mass reaches top_p.
  std::size_t n = 0;
  double mass = 0.0;
  while (n < admissible) {
    mass += weight_[n++];
    if (mass >= config_.top_p * sum) break;
  }
  const double target = uniform() * mass;
  double acc = 0.0;
  for (std::size_t r = 0; r < n; ++r) {
    acc += weight_[r];
    if (target < acc) return order_[r];
  }
  return order_[n - 1];
}

}  // namespace clara
