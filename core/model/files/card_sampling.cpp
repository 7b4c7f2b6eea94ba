#include "core/model/files/card_sampling.hpp"

#include <sstream>

namespace clara::model {

std::string_view card_policy_name(SamplingPolicy policy) {
  switch (policy) {
    case SamplingPolicy::kSeed: return "seed";
    case SamplingPolicy::kTemperature: return "temperature";
    case SamplingPolicy::kTopK: return "top-k";
    case SamplingPolicy::kTopP: return "top-p";
  }
  return "seed";
}

std::optional<SamplingPolicy> card_policy_named(std::string_view name) {
  for (auto p : {SamplingPolicy::kSeed, SamplingPolicy::kTemperature, SamplingPolicy::kTopK, SamplingPolicy::kTopP})
    if (card_policy_name(p) == name) return p;
  return std::nullopt;
}

std::string CardSampling::describe() const {
  std::ostringstream os;
  const char* sep = "";
  auto item = [&](const char* key, const auto& value) {
    os << sep << key << ' ' << value;
    sep = ", ";
  };
  if (policy) item("policy", card_policy_name(*policy));
  if (temperature) item("temperature", *temperature);
  if (top_k) item("top_k", *top_k);
  if (top_p) item("top_p", *top_p);
  if (random_freq) item("random_freq", *random_freq);
  if (key_keeping) item("key_keeping", *key_keeping);
  return os.str();
}

void apply_card_sampling(const CardSampling& card, const SamplerKeysGiven& given, SamplerConfig& config) {
  if (card.policy && !given.policy) config.policy = *card.policy;
  if (card.temperature && !given.temperature) config.temperature = *card.temperature;
  if (card.top_k && !given.top_k) config.top_k = *card.top_k;
  if (card.top_p && !given.top_p) config.top_p = *card.top_p;
  if (card.random_freq && !given.random_freq) config.random_freq = *card.random_freq;
  if (card.key_keeping && !given.key_keeping) config.key_keeping = *card.key_keeping;
}

}  // namespace clara::model
