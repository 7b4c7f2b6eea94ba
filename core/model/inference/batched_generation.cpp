#include "core/model/inference/batched_generation.hpp"

#include <stdexcept>

#include "core/model/inference/inference_session.hpp"

namespace clara::model {

std::vector<std::vector<int>> generate_batch(const AwdLstm& model, const Vocabulary& vocab,
                                             const std::vector<GenerationStream>& streams, std::size_t length,
                                             const std::optional<GrammarConfig>& grammar, Precision precision) {
  std::vector<std::vector<int>> out(streams.size());
  if (streams.empty()) return out;
  const std::size_t prompt = streams.front().prompt.size();
  for (const auto& s : streams)
    if (s.prompt.size() != prompt) throw std::invalid_argument("generate_batch: prompts of different lengths");
  const auto batch = static_cast<std::int64_t>(streams.size());
  InferenceSession session(model, batch, precision);
  LstmState state = session.zero_state();
  const std::size_t v = vocab.size();
  TokenMask no_eos(v, 1);
  no_eos[Vocabulary::kEos] = 0;
  std::vector<Sampler> samplers;
  std::vector<std::optional<NoteGrammar>> grammars(streams.size());
  for (std::size_t b = 0; b < streams.size(); ++b) {
    samplers.emplace_back(v, streams[b].sampler);
    samplers.back().set_mask(no_eos);
    if (grammar) grammars[b].emplace(vocab, *grammar);
  }
  std::vector<int> tokens(streams.size(), Vocabulary::kEos);
  std::span<const float> logits = session.step(tokens, state);
  for (std::size_t i = 0; i < prompt; ++i) {
    for (std::size_t b = 0; b < streams.size(); ++b) {
      tokens[b] = streams[b].prompt[i];
      if (grammars[b]) grammars[b]->observe(tokens[b]);
    }
    logits = session.step(tokens, state);
  }
  for (auto& o : out) o.reserve(length);
  for (std::size_t i = 0; i < length; ++i) {
    for (std::size_t b = 0; b < streams.size(); ++b) {
      const int id = samplers[b].sample(logits.subspan(b * v, v), grammars[b] ? &*grammars[b] : nullptr);
      tokens[b] = id;
      out[b].push_back(id);
      if (grammars[b]) grammars[b]->observe(id);
    }
    if (i + 1 < length) logits = session.step(tokens, state);
  }
  return out;
}

}  // namespace clara::model
