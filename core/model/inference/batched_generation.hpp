#pragma once
// Many continuations at once through the batched inference step: stream b is primed with
// <eos> + its prompt, then samples `length` tokens with its own sampler (policy, temperature
// and seed) under the note grammar. <eos> is never drawn, so every continuation has exactly
// the length asked: what the critic's equal-length samples and `clara generate --candidates`
// need. Deterministic for the streams' seeds. Torch-free header.
#include <cstddef>
#include <optional>
#include <vector>

#include "core/encoding/vocabulary.hpp"
#include "core/generation/note_grammar.hpp"
#include "core/generation/sampler.hpp"
#include "core/model/inference/precision.hpp"

namespace clara::model {

class AwdLstm;

struct GenerationStream {
  std::vector<int> prompt;  // token ids; every stream's prompt has the same length
  SamplerConfig sampler;
};

// Throws std::invalid_argument for prompts of different lengths or ids outside the
// vocabulary, NoAdmissibleToken when a stream has nothing left to draw.
std::vector<std::vector<int>> generate_batch(const AwdLstm& model, const Vocabulary& vocab,
                                             const std::vector<GenerationStream>& streams, std::size_t length,
                                             const std::optional<GrammarConfig>& grammar,
                                             Precision precision = Precision::fp32);

}  // namespace clara::model
