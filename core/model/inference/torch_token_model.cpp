#include "core/model/inference/torch_token_model.hpp"

#include <torch/torch.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "core/model/network/awd_lstm.hpp"

namespace clara::model {
namespace {

struct TorchSnapshot : TokenModel::State {
  std::vector<torch::Tensor> h, c;  // clones, on the model's device
  std::vector<float> logits;
};

}  // namespace

struct TorchTokenModel::Impl {
  explicit Impl(c10::Device d) : device(d) {}
  torch::Device device;
  std::int64_t vocab = 0;
  torch::Tensor emb;  // [V, E], also the tied decoder
  std::vector<torch::Tensor> w_ih, w_hh, b_ih, b_hh;
  std::vector<std::int64_t> widths;
  std::vector<torch::Tensor> h, c;  // per layer, [1, width]
  std::vector<float> logits;
  torch::Tensor host;  // a CPU view of `logits`

  torch::Tensor on_device(const torch::Tensor& t) const {
    return t.detach()
        .to(device, torch::kFloat32, /*non_blocking=*/false, /*copy=*/true)
        .contiguous();
  }
  void zero() {
    h.clear(), c.clear();
    const auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(device);
    for (auto w : widths) {
      h.push_back(torch::zeros({1, w}, opts));
      c.push_back(torch::zeros({1, w}, opts));
    }
    std::fill(logits.begin(), logits.end(), 0.0f);
  }
};

TorchTokenModel::TorchTokenModel(const AwdLstm& model, c10::Device device)
    : impl_(std::make_unique<Impl>(device)) {
  torch::NoGradGuard guard;
  auto& m = *impl_;
  const AwdLstmConfig& config = model.config();
  m.vocab = config.vocab_size;
  m.emb = m.on_device(model.embedding);
  for (std::int64_t l = 0; l < config.layers; ++l) {
    m.w_ih.push_back(m.on_device(model.weight_ih[l]));
    m.w_hh.push_back(m.on_device(model.weight_hh[l]));
    m.b_ih.push_back(m.on_device(model.bias_ih[l]));
    m.b_hh.push_back(m.on_device(model.bias_hh[l]));
    m.widths.push_back(config.layer_output(l));
  }
  m.logits.assign(static_cast<std::size_t>(m.vocab), 0.0f);
  m.host =
      torch::from_blob(m.logits.data(), {m.vocab}, torch::TensorOptions().dtype(torch::kFloat32));
  m.zero();
}

TorchTokenModel::~TorchTokenModel() = default;

std::size_t TorchTokenModel::vocab_size() const { return static_cast<std::size_t>(impl_->vocab); }
c10::Device TorchTokenModel::device() const { return impl_->device; }

void TorchTokenModel::reset() {
  torch::NoGradGuard guard;
  impl_->zero();
}

std::span<const float> TorchTokenModel::feed(int token) {
  auto& m = *impl_;
  if (token < 0 || token >= m.vocab)
    throw std::invalid_argument("TorchTokenModel::feed: token id " + std::to_string(token) +
                                " outside vocabulary of " + std::to_string(m.vocab));
  torch::NoGradGuard guard;
  // A view of the embedding row: no index tensor to move to the device.
  torch::Tensor x = m.emb.select(0, token).unsqueeze(0);
  for (std::size_t l = 0; l < m.h.size(); ++l) {
    auto [h, c] = torch::lstm_cell(x, {m.h[l], m.c[l]}, m.w_ih[l], m.w_hh[l], m.b_ih[l], m.b_hh[l]);
    m.h[l] = h;
    m.c[l] = c;
    x = h;
  }
  // The tied decoder; the copy to the host buffer waits for the device.
  m.host.copy_(torch::mm(x, m.emb.t()).view({m.vocab}));
  return m.logits;
}

std::unique_ptr<TokenModel::State> TorchTokenModel::save() const {
  torch::NoGradGuard guard;
  auto s = std::make_unique<TorchSnapshot>();
  for (std::size_t l = 0; l < impl_->h.size(); ++l) {
    s->h.push_back(impl_->h[l].clone());
    s->c.push_back(impl_->c[l].clone());
  }
  s->logits = impl_->logits;
  return s;
}

void TorchTokenModel::restore(const State& state) {
  const auto* s = dynamic_cast<const TorchSnapshot*>(&state);
  if (s == nullptr || s->logits.size() != impl_->logits.size() || s->h.size() != impl_->h.size())
    throw std::invalid_argument("TorchTokenModel::restore: state saved by another model");
  torch::NoGradGuard guard;
  // Clones again, so that the snapshot stays valid for another restore.
  for (std::size_t l = 0; l < impl_->h.size(); ++l) {
    impl_->h[l] = s->h[l].clone();
    impl_->c[l] = s->c[l].clone();
  }
  std::copy(s->logits.begin(), s->logits.end(), impl_->logits.begin());
}

}  // namespace clara::model
