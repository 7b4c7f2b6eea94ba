#pragma once
// Small seeded AwdLstm networks and a helper that feeds tokens, for the step tests: the
// same weights for a seed on every run, so that two steps can be compared on them.
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/generation/token_model.hpp"
#include "core/model/network/awd_lstm.hpp"

namespace clara::model::test {

inline std::shared_ptr<AwdLstm> random_model(std::int64_t vocab, std::int64_t emb, std::int64_t hidden,
                                             std::int64_t layers, std::uint64_t seed) {
  torch::manual_seed(seed);
  AwdLstmConfig c;
  c.vocab_size = vocab, c.emb = emb, c.hidden = hidden, c.layers = layers;
  auto m = std::make_shared<AwdLstm>(c);
  m->eval();
  return m;
}

// Feeds `tokens` in turn; the logits after the last one.
inline std::vector<float> last_logits(TokenModel& lm, const std::vector<int>& tokens) {
  std::vector<float> last;
  for (int t : tokens) {
    auto l = lm.feed(t);
    last.assign(l.begin(), l.end());
  }
  return last;
}

}  // namespace clara::model::test
