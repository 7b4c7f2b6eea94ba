#pragma once
// The judging models' network (SPEC §6): the generator's AWD-LSTM as encoder, concat pooling
// of its last layer (last step, max over time, mean over time: 3 x emb), then BatchNorm ->
// Dropout -> Linear to the classes. Unlike the seed, the head has exactly one output per
// class (no <unk> slot from an inferred label field).
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/model/network/awd_lstm.hpp"

namespace clara::model {

// The seed's classifier dropouts (SPEC §6: i 0.4, w 0.5, e 0.05, h 0.3, out 0.1), on `sizes`'
// widths; AR and TAR are not used by the classifier's loss.
AwdLstmConfig classifier_encoder_config(const AwdLstmConfig& sizes);

class SequenceClassifier : public torch::nn::Module {
 public:
  SequenceClassifier(const AwdLstmConfig& encoder, std::int64_t classes, double head_dropout = 0.1);

  // tokens [T, B] int64 -> logits [B, classes]. Each sample starts from a zero state.
  torch::Tensor forward(const torch::Tensor& tokens);

  std::int64_t classes() const { return classes_; }
  const AwdLstmConfig& encoder_config() const { return encoder->config(); }

  std::shared_ptr<AwdLstm> encoder;
  torch::nn::BatchNorm1d norm{nullptr};
  torch::nn::Dropout drop{nullptr};
  torch::nn::Linear head{nullptr};

 private:
  std::int64_t classes_;
};

// Names and shapes of everything the weights file holds: the encoder's weights (as the
// generator names them, prefixed "encoder."), "norm.weight", "norm.bias",
// "norm.running_mean", "norm.running_var", "head.weight", "head.bias".
std::vector<std::pair<std::string, std::vector<std::int64_t>>> classifier_weight_shapes(const AwdLstmConfig& encoder,
                                                                                       std::int64_t classes);
// Every float tensor by that name (parameters and BatchNorm statistics).
std::vector<std::pair<std::string, torch::Tensor>> classifier_tensors(const SequenceClassifier& model);

// Class probabilities of each sample (all the same length), in evaluation mode, `batch` at a time.
std::vector<std::vector<double>> classify(SequenceClassifier& model, const std::vector<std::vector<int>>& samples,
                                          std::int64_t batch = 64);

}  // namespace clara::model
