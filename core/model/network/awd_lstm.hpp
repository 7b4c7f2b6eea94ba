#pragma once
// The AWD-LSTM language model (SPEC §4) for training: embedding, stacked single-layer
// LSTMs run through ATen's fused lstm op, a decoder tied to the embedding, and the
// AWD regularisers (dropoute/i/h/out, DropConnect on W_hh). Inference on the hot path
// goes through InferenceSession instead, which reads this module's weights.
#include <torch/torch.h>

#include <utility>
#include <vector>

#include "core/model/network/awd_lstm_config.hpp"

namespace clara::model {

// (h, c) per layer, each [1, batch, width].
using HiddenState = std::vector<std::pair<torch::Tensor, torch::Tensor>>;

struct ForwardResult {
  torch::Tensor logits;        // [T, B, V]
  torch::Tensor raw_output;    // last layer output before dropout (TAR), [T, B, emb]
  torch::Tensor dropped_output;  // after the output dropout (AR), [T, B, emb]
  HiddenState hidden;
};

class AwdLstm : public torch::nn::Module {
 public:
  explicit AwdLstm(const AwdLstmConfig& config);

  const AwdLstmConfig& config() const { return config_; }
  HiddenState init_hidden(std::int64_t batch) const;  // zeros on the module's device
  static HiddenState detach(const HiddenState& hidden);

  // tokens: [T, B] int64. Dropouts apply only in training mode.
  ForwardResult forward(const torch::Tensor& tokens, const HiddenState& hidden);

  // Parameter names used in weights.pt: "embedding", "weight_ih_l{k}", "weight_hh_l{k}",
  // "bias_ih_l{k}", "bias_hh_l{k}" (PyTorch gate order i, f, g, o).
  torch::Tensor embedding;
  std::vector<torch::Tensor> weight_ih, weight_hh, bias_ih, bias_hh;

 private:
  AwdLstmConfig config_;
};

// Expected shape of every named weight for a configuration (the loader checks files against it).
std::vector<std::pair<std::string, std::vector<std::int64_t>>> expected_weight_shapes(const AwdLstmConfig& c);

}  // namespace clara::model
