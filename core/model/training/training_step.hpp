#pragma once
// One AWD-LSTM training iteration (SPEC §4): forward on a batch with the hidden
// state carried (and detached), cross-entropy + AR + TAR, backward, gradient
// clipping, optimiser step. Shared by the trainer and the throughput benchmark
// so the benchmark measures exactly what training runs.
#include <torch/torch.h>

#include "core/model/network/awd_lstm.hpp"

namespace clara::model {

// tokens, targets: [T, B] int64 on the model's device. Advances `hidden`.
// Returns the batch's cross-entropy (without AR/TAR), as training reports it.
double training_step(AwdLstm& model, torch::optim::Optimizer& optimizer, HiddenState& hidden,
                     const torch::Tensor& tokens, const torch::Tensor& targets, double clip);

}  // namespace clara::model
