#pragma once
// The AwdLstm step run by LibTorch on a torch::Device, as a TokenModel: what
// `--device cuda` plays with. Generic over the device so that it is tested here on
// torch's CPU device against InferenceSession (tests/core/model/inference/
// torch_token_model_test.cpp). fp32 only; the (h, c) state lives on the device and is
// saved and restored by cloning its tensors; the logits are copied back to a host buffer
// after each step (which also waits for the device). Unlike InferenceSession it allocates
// per step (LibTorch's tensors): not zero-allocation, so not on clarad's CPU path.
#include <c10/core/Device.h>

#include <memory>
#include <span>

#include "core/generation/token_model.hpp"

namespace clara::model {

class AwdLstm;

class TorchTokenModel : public TokenModel {
 public:
  // Copies the weights onto `device` (evaluation semantics: no dropout). Throws
  // std::runtime_error (LibTorch's) when the device cannot be used.
  TorchTokenModel(const AwdLstm& model, c10::Device device);
  ~TorchTokenModel() override;

  std::size_t vocab_size() const override;
  void reset() override;
  std::span<const float> feed(int token) override;
  std::unique_ptr<State> save() const override;
  void restore(const State& state) override;

  c10::Device device() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace clara::model
