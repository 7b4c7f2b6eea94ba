#pragma once
// The trained LSTM as the duet engine's TokenModel: the allocation-free
// InferenceSession underneath, its (h, c) state saved and restored by copy.
// Torch-free header.
#include <memory>
#include <span>
#include <vector>

#include "core/model/inference/inference_session.hpp"
#include "core/generation/token_model.hpp"

namespace clara::model {

class LstmTokenModel : public TokenModel {
 public:
  // `precision` as for InferenceSession (automatic needs `now`).
  explicit LstmTokenModel(const AwdLstm& model, Precision precision = Precision::fp32, const MonotonicNanos& now = {});

  std::size_t vocab_size() const override;
  void reset() override;
  std::span<const float> feed(int token) override;
  std::unique_ptr<State> save() const override;
  void restore(const State& state) override;

  const LstmState& state() const { return state_; }
  const PrecisionChoice& precision_choice() const { return session_.precision_choice(); }

 private:
  InferenceSession session_;
  LstmState state_;
  std::vector<float> logits_;
};

}  // namespace clara::model
