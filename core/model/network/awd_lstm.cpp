#include "core/model/network/awd_lstm.hpp"

#include <cmath>

#include "core/encoding/vocabulary.hpp"

namespace clara::model {
namespace {

// One mask per sequence, shared over time steps (variational / locked dropout): the
// same units are dropped at every step so the recurrent signal is not re-noised.
torch::Tensor locked_dropout(const torch::Tensor& x, double p, bool training) {
  if (!training || p <= 0.0) return x;
  auto mask = torch::empty({1, x.size(1), x.size(2)}, x.options()).bernoulli_(1.0 - p) / (1.0 - p);
  return x * mask;
}

}  // namespace

AwdLstm::AwdLstm(const AwdLstmConfig& config) : config_(config) {
  config_.validate();
  embedding = register_parameter("embedding", torch::empty({config_.vocab_size, config_.emb}).uniform_(-0.1, 0.1));
  for (std::int64_t l = 0; l < config_.layers; ++l) {
    const auto in = config_.layer_input(l), out = config_.layer_output(l);
    // torch::nn::LSTM's initialisation, so a fresh model behaves like fastai's.
    const double k = 1.0 / std::sqrt(static_cast<double>(out));
    auto u = [&](std::vector<std::int64_t> shape) { return torch::empty(shape).uniform_(-k, k); };
    const auto s = std::to_string(l);
    weight_ih.push_back(register_parameter("weight_ih_l" + s, u({4 * out, in})));
    weight_hh.push_back(register_parameter("weight_hh_l" + s, u({4 * out, out})));
    bias_ih.push_back(register_parameter("bias_ih_l" + s, u({4 * out})));
    bias_hh.push_back(register_parameter("bias_hh_l" + s, u({4 * out})));
  }
}

HiddenState AwdLstm::init_hidden(std::int64_t batch) const {
  HiddenState h;
  auto opts = embedding.options().requires_grad(false);
  for (std::int64_t l = 0; l < config_.layers; ++l) {
    const auto w = config_.layer_output(l);
    h.emplace_back(torch::zeros({1, batch, w}, opts), torch::zeros({1, batch, w}, opts));
  }
  return h;
}

HiddenState AwdLstm::detach(const HiddenState& hidden) {
  HiddenState out;
  for (const auto& [h, c] : hidden) out.emplace_back(h.detach(), c.detach());
  return out;
}

ForwardResult AwdLstm::forward(const torch::Tensor& tokens, const HiddenState& hidden) {
  TORCH_CHECK(tokens.dim() == 2, "AwdLstm::forward: tokens must be [T, B]");
  TORCH_CHECK(static_cast<std::int64_t>(hidden.size()) == config_.layers, "AwdLstm::forward: wrong hidden state");
  const bool train = is_training();

  // dropoute removes whole tokens: every occurrence of a dropped token in the batch
  // sees a zero embedding.
  torch::Tensor emb_w = embedding;
  if (train && config_.dropoute > 0.0) {
    auto mask = torch::empty({config_.vocab_size, 1}, embedding.options().requires_grad(false))
                    .bernoulli_(1.0 - config_.dropoute) /
                (1.0 - config_.dropoute);
    emb_w = embedding * mask;
  }
  auto x = torch::embedding(emb_w, tokens, Vocabulary::kPad);
  x = locked_dropout(x, config_.dropouti, train);

  ForwardResult r;
  for (std::int64_t l = 0; l < config_.layers; ++l) {
    torch::Tensor w_hh = weight_hh[l];
    if (train && config_.wdrop > 0.0) w_hh = torch::dropout(w_hh, config_.wdrop, true);
    auto [out, h, c] = torch::lstm(x, {hidden[l].first, hidden[l].second},
                                   {weight_ih[l], w_hh, bias_ih[l], bias_hh[l]},
                                   /*has_biases=*/true, /*num_layers=*/1, /*dropout=*/0.0, train,
                                   /*bidirectional=*/false, /*batch_first=*/false);
    r.hidden.emplace_back(h, c);
    if (l + 1 < config_.layers) {
      x = locked_dropout(out, config_.dropouth, train);
    } else {
      r.raw_output = out;
      x = locked_dropout(out, config_.dropout, train);
    }
  }
  r.dropped_output = x;
  r.logits = torch::nn::functional::linear(x, embedding);
  return r;
}

std::vector<std::pair<std::string, std::vector<std::int64_t>>> expected_weight_shapes(const AwdLstmConfig& c) {
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> s{{"embedding", {c.vocab_size, c.emb}}};
  for (std::int64_t l = 0; l < c.layers; ++l) {
    const auto in = c.layer_input(l), out = c.layer_output(l);
    const auto k = std::to_string(l);
    s.push_back({"weight_ih_l" + k, {4 * out, in}});
    s.push_back({"weight_hh_l" + k, {4 * out, out}});
    s.push_back({"bias_ih_l" + k, {4 * out}});
    s.push_back({"bias_hh_l" + k, {4 * out}});
  }
  return s;
}

}  // namespace clara::model
