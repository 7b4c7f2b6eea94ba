#include "core/model/classifier/sequence_classifier.hpp"

#include <stdexcept>

namespace clara::model {

AwdLstmConfig classifier_encoder_config(const AwdLstmConfig& sizes) {
  AwdLstmConfig c = sizes;
  c.dropouti = 0.4, c.wdrop = 0.5, c.dropoute = 0.05, c.dropouth = 0.3, c.dropout = 0.1;
  c.alpha = 0, c.beta = 0;
  return c;
}

SequenceClassifier::SequenceClassifier(const AwdLstmConfig& encoder_config, std::int64_t classes, double head_dropout)
    : classes_(classes) {
  if (classes < 2) throw std::invalid_argument("a classifier needs at least 2 classes");
  encoder = register_module("encoder", std::make_shared<AwdLstm>(encoder_config));
  const std::int64_t pooled = 3 * encoder_config.emb;
  norm = register_module("norm", torch::nn::BatchNorm1d(pooled));
  drop = register_module("drop", torch::nn::Dropout(head_dropout));
  head = register_module("head", torch::nn::Linear(pooled, classes));
}

torch::Tensor SequenceClassifier::forward(const torch::Tensor& tokens) {
  TORCH_CHECK(tokens.dim() == 2 && tokens.size(0) > 0, "SequenceClassifier::forward: tokens must be [T>0, B]");
  auto r = encoder->forward(tokens, encoder->init_hidden(tokens.size(1)));
  const auto& out = r.dropped_output;  // [T, B, emb]
  auto pooled = torch::cat({out[out.size(0) - 1], std::get<0>(out.max(0)), out.mean(0)}, 1);
  return head->forward(drop->forward(norm->forward(pooled)));
}

std::vector<std::pair<std::string, std::vector<std::int64_t>>> classifier_weight_shapes(const AwdLstmConfig& encoder,
                                                                                       std::int64_t classes) {
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> s;
  for (auto& [name, shape] : expected_weight_shapes(encoder)) s.push_back({"encoder." + name, shape});
  const std::int64_t pooled = 3 * encoder.emb;
  for (const char* n : {"norm.weight", "norm.bias", "norm.running_mean", "norm.running_var"}) s.push_back({n, {pooled}});
  s.push_back({"head.weight", {classes, pooled}});
  s.push_back({"head.bias", {classes}});
  return s;
}

std::vector<std::pair<std::string, torch::Tensor>> classifier_tensors(const SequenceClassifier& model) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : model.named_parameters()) out.emplace_back(p.key(), p.value());
  for (const auto& b : model.named_buffers())
    if (b.key() != "norm.num_batches_tracked") out.emplace_back(b.key(), b.value());
  return out;
}

std::vector<std::vector<double>> classify(SequenceClassifier& model, const std::vector<std::vector<int>>& samples,
                                          std::int64_t batch) {
  std::vector<std::vector<double>> rows;
  if (samples.empty()) return rows;
  const std::size_t length = samples.front().size();
  const auto vocab = model.encoder_config().vocab_size;
  for (const auto& s : samples) {
    if (s.size() != length || length == 0) throw std::invalid_argument("classify: samples must have one non-zero length");
    for (int t : s)
      if (t < 0 || t >= vocab) throw std::invalid_argument("classify: token id " + std::to_string(t) + " outside the vocabulary");
  }
  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  for (std::size_t first = 0; first < samples.size(); first += static_cast<std::size_t>(batch)) {
    const std::size_t n = std::min(samples.size() - first, static_cast<std::size_t>(batch));
    std::vector<std::int64_t> grid(length * n);
    for (std::size_t b = 0; b < n; ++b)
      for (std::size_t t = 0; t < length; ++t) grid[t * n + b] = samples[first + b][t];
    auto x = torch::from_blob(grid.data(), {static_cast<std::int64_t>(length), static_cast<std::int64_t>(n)},
                              torch::kInt64)
                 .clone();
    auto p = torch::softmax(model.forward(x).to(torch::kFloat64), 1).contiguous();
    const double* d = p.data_ptr<double>();
    for (std::size_t b = 0; b < n; ++b) rows.emplace_back(d + b * model.classes(), d + (b + 1) * model.classes());
  }
  if (was_training) model.train();
  return rows;
}

}  // namespace clara::model
