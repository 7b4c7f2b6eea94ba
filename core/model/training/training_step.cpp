#include "core/model/training/training_step.hpp"

namespace clara::model {

double training_step(AwdLstm& model, torch::optim::Optimizer& optimizer, HiddenState& hidden,
                     const torch::Tensor& tokens, const torch::Tensor& targets, double clip) {
  namespace F = torch::nn::functional;
  const auto& arch = model.config();
  hidden = AwdLstm::detach(hidden);
  auto r = model.forward(tokens, hidden);
  hidden = r.hidden;
  auto ce = F::cross_entropy(r.logits.reshape({-1, arch.vocab_size}), targets.reshape({-1}));
  auto loss = ce;
  if (arch.alpha > 0) loss = loss + arch.alpha * r.dropped_output.pow(2).mean();
  if (arch.beta > 0 && r.raw_output.size(0) > 1)
    loss = loss + arch.beta * (r.raw_output.slice(0, 1) - r.raw_output.slice(0, 0, -1)).pow(2).mean();
  optimizer.zero_grad();
  loss.backward();
  torch::nn::utils::clip_grad_norm_(model.parameters(), clip);
  optimizer.step();
  return ce.item<double>();
}

}  // namespace clara::model
