#pragma once
// Picks the next token id from a row of logits. Runs in the daemon's inference thread, so a
// call never allocates: all buffers are sized to the vocabulary at construction.
//
// Policies:
//  - kSeed (SPEC §5, the original generate.py): take the arg-max, except with probability
//    random_freq draw from the top k (softmax at `temperature` over those k);
//  - kTemperature: draw from the softmax at `temperature` over every admissible token;
//  - kTopK: draw from the softmax at `temperature` over the k best;
//  - kTopP: nucleus — the smallest set of best tokens whose probability (at `temperature`)
//    reaches top_p, renormalised.
// Before any policy: NaN logits count as -inf, +inf as the largest float (several +inf tie),
// the caller's mask and then the grammar (if given) set forbidden ids to -inf; then, with
// key_keeping > 0 and a key bias set (set_key_bias), every admissible onset token (an id
// set_pitch_classes() gave a pitch class) gets key_keeping x bias[its pitch class] added to
// its logit. Ends, waits and the rest are untouched; key_keeping = 0 changes nothing. When no token
// is left, sample() throws NoAdmissibleToken rather than invent one; the caller decides.
// Ties in rank go to the lower id, so results depend only on the seed and the inputs.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/generation/note_grammar.hpp"
#include "core/encoding/token_table.hpp"

namespace clara {

enum class SamplingPolicy { kSeed, kTemperature, kTopK, kTopP };
// "seed", "temperature", "top-k", "top-p": the names files, flags and OSC use.
std::string_view to_string(SamplingPolicy policy);
// nullopt for a name that is none of them.
std::optional<SamplingPolicy> parse_sampling_policy(std::string_view name);

struct SamplerConfig {
  SamplingPolicy policy = SamplingPolicy::kSeed;
  double temperature = 1.0;  // finite, in [0.05, 5]
  int top_k = 5;             // >= 1; used by kSeed and kTopK
  double top_p = 0.9;        // in (0, 1]; used by kTopP
  double random_freq = 0.5;  // in [0, 1]; used by kSeed
  std::uint64_t seed = 0;
  // In [0, 16]: how strongly onsets are pulled towards the key bias (see above); 0 = off.
  // The duet engine sets the bias from the key of the human's recent notes (core/duet/human_key).
  double key_keeping = 0.0;
  static constexpr double kMaxKeyKeeping = 16.0;

  // Throws std::invalid_argument naming the parameter and its value.
  void validate() const;
  bool operator==(const SamplerConfig&) const = default;
};

class NoAdmissibleToken : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Sampler {
 public:
  Sampler(std::size_t vocab_size, SamplerConfig config);

  std::size_t vocab_size() const { return work_.size(); }
  const SamplerConfig& config() const { return config_; }
  // Validates, then replaces policy and parameters; the random stream restarts from config.seed.
  void set_config(const SamplerConfig& config);
  // Restarts the random stream from `seed`, keeping policy and parameters: the duet engine
  // reseeds per token so a token does not depend on how many were drawn before it.
  void reseed(std::uint64_t seed);

  // The mask must have one entry per id (1 = allowed); throws std::invalid_argument otherwise.
  void set_mask(const TokenMask& mask);
  void clear_mask();
  bool has_mask() const { return has_mask_; }

  // Which ids the key bias applies to: one entry per id, the onset's pitch class 0..11, or
  // -1 (ends, waits, everything else). Throws std::invalid_argument for a wrong size or an
  // entry outside -1..11. Allocates: call it once, before sampling.
  void set_pitch_classes(std::span<const std::int8_t> pitch_class_of_id);
  // The additive bias per pitch class (scaled by config().key_keeping when sampling); no
  // allocation. Without one (or after clear_key_bias()) nothing is added.
  void set_key_bias(const std::array<double, 12>& bias);
  void clear_key_bias();
  bool has_key_bias() const { return has_key_bias_; }

  // `logits.size()` must equal vocab_size(). The grammar, when given, must be built on the same
  // vocabulary; the caller still feeds every appended token to grammar->observe().
  int sample(std::span<const float> logits, const NoteGrammar* grammar = nullptr);

 private:
  double uniform();  // in [0, 1), from the top 53 bits of the generator
  std::size_t rank_top(std::size_t admissible, std::size_t k);  // best k first in order_
  int draw(std::size_t n);  // among order_[0..n) with softmax at temperature
  int draw_nucleus(std::size_t admissible);

  SamplerConfig config_;
  std::mt19937_64 rng_;
  std::vector<double> work_;
  std::vector<double> weight_;
  std::vector<int> order_;
  TokenMask mask_;
  bool has_mask_ = false;
  std::vector<std::int8_t> pitch_class_;  // per id, or empty: no onset has a pitch class
  std::array<double, 12> key_bias_{};
  bool has_key_bias_ = false;
};

}  // namespace clara
