#pragma once
// The sampling a model sounds best with, measured when it shipped and kept in its card's
// [sampling] table. Every key is optional; one a card leaves out keeps the built-in value.
// Where a card is used the order is: flags > config file > card > built-in.
// Uses only SamplerConfig's fields and the policy enum (no sampler code is linked here).
#include <optional>
#include <string>
#include <string_view>

#include "core/generation/sampler.hpp"

namespace clara::model {

struct CardSampling {
  std::optional<SamplingPolicy> policy;
  std::optional<double> temperature;
  std::optional<int> top_k;
  std::optional<double> top_p;
  std::optional<double> random_freq;
  std::optional<double> key_keeping;

  bool empty() const { return !policy && !temperature && !top_k && !top_p && !random_freq && !key_keeping; }
  // "policy top-p, temperature 1, top_p 0.95": the keys the card gives, for messages.
  std::string describe() const;
};

// Which sampler keys the user set (a flag or a config file key); those keep their value.
struct SamplerKeysGiven {
  bool policy = false, temperature = false, top_k = false, top_p = false, random_freq = false, key_keeping = false;
};

// Copies each key the card gives and the user did not into `config`.
void apply_card_sampling(const CardSampling& card, const SamplerKeysGiven& given, SamplerConfig& config);

// The card's policy names, as clara generate's --policy and clarad's sampler.policy spell them.
std::string_view card_policy_name(SamplingPolicy policy);
std::optional<SamplingPolicy> card_policy_named(std::string_view name);

}  // namespace clara::model
