#include "core/model/inference_session.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "core/model/awd_lstm.hpp"

namespace clara::model {

LstmState LstmState::stream(std::int64_t b) const {
  if (b < 0 || b >= batch) throw std::out_of_range("LstmState::stream: no stream " + std::to_string(b));
  LstmState one;
  one.batch = 1;
  for (std::size_t l = 0; l < h.size(); ++l) {
    const auto w = static_cast<std::int64_t>(h[l].size()) / batch;
    one.h.emplace_back(h[l].begin() + b * w, h[l].begin() + (b + 1) * w);
    one.c.emplace_back(c[l].begin() + b * w, c[l].begin() + (b + 1) * w);
  }
  return one;
}

void LstmState::set_stream(std::int64_t b, const LstmState& one) {
  if (b < 0 || b >= batch) throw std::out_of_range("LstmState::set_stream: no stream " + std::to_string(b));
  if (one.batch != 1 || one.h.size() != h.size())
    throw std::invalid_argument("LstmState::set_stream: expected a single-stream state with the same layers");
  for (std::size_t l = 0; l < h.size(); ++l) {
    const auto w = static_cast<std::int64_t>(h[l].size()) / batch;
    if (static_cast<std::int64_t>(one.h[l].size()) != w || static_cast<std::int64_t>(one.c[l].size()) != w)
      throw std::invalid_argument("LstmState::set_stream: layer width differs");
    std::copy(one.h[l].begin(), one.h[l].end(), h[l].begin() + b * w);
    std::copy(one.c[l].begin(), one.c[l].end(), c[l].begin() + b * w);
  }
}

namespace {

inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

struct Layer {
  std::int64_t in = 0, out = 0;
  torch::Tensor w;      // [4 out, in + out] = [W_ih | W_hh]: one matmul per step
  torch::Tensor w_t;    // its transpose (a view), for the batched matmul
  torch::Tensor bias;   // [4 out] = b_ih + b_hh, added in the pointwise loop
  torch::Tensor xh;     // [B, in + out]: this step's input next to the previous h
  torch::Tensor gates;  // [B, 4 out]
  torch::Tensor xh1, gates1;  // row 0 as 1-D views, for the gemv path at B = 1
};

}  // namespace

struct InferenceSession::Impl {
  AwdLstmConfig config;
  std::int64_t batch = 1;
  torch::Tensor emb, emb_t;  // [V, E] and its transpose (view)
  std::vector<Layer> layers;
  torch::Tensor top, top1;       // [B, E] last layer output, and row 0
  torch::Tensor logits, logits1; // [B, V], and row 0
};

InferenceSession::InferenceSession(const AwdLstm& model, std::int64_t batch) : impl_(std::make_unique<Impl>()) {
  if (batch < 1) throw std::invalid_argument("InferenceSession: batch must be at least 1");
  torch::InferenceMode guard;
  auto& m = *impl_;
  m.config = model.config();
  m.batch = batch;
  auto cpu = [](const torch::Tensor& t) { return t.detach().to(torch::kCPU, torch::kFloat32).contiguous().clone(); };
  m.emb = cpu(model.embedding);
  m.emb_t = m.emb.t();
  for (std::int64_t l = 0; l < m.config.layers; ++l) {
    Layer L;
    L.in = m.config.layer_input(l);
    L.out = m.config.layer_output(l);
    L.w = torch::cat({cpu(model.weight_ih[l]), cpu(model.weight_hh[l])}, 1).contiguous();
    L.w_t = L.w.t();
    L.bias = (cpu(model.bias_ih[l]) + cpu(model.bias_hh[l])).contiguous();
    L.xh = torch::zeros({batch, L.in + L.out});
    L.gates = torch::zeros({batch, 4 * L.out});
    L.xh1 = L.xh[0];
    L.gates1 = L.gates[0];
    m.layers.push_back(std::move(L));
  }
  m.top = torch::zeros({batch, m.config.emb});
  m.top1 = m.top[0];
  m.logits = torch::zeros({batch, m.config.vocab_size});
  m.logits1 = m.logits[0];
}

InferenceSession::~InferenceSession() = default;
InferenceSession::InferenceSession(InferenceSession&&) noexcept = default;
InferenceSession& InferenceSession::operator=(InferenceSession&&) noexcept = default;

const AwdLstmConfig& InferenceSession::config() const { return impl_->config; }
std::int64_t InferenceSession::batch() const { return impl_->batch; }

LstmState InferenceSession::zero_state() const {
  LstmState s;
  s.batch = impl_->batch;
  for (const auto& L : impl_->layers) {
    s.h.emplace_back(static_cast<std::size_t>(impl_->batch * L.out), 0.0f);
    s.c.emplace_back(static_cast<std::size_t>(impl_->batch * L.out), 0.0f);
  }
  return s;
}

std::span<const float> InferenceSession::step(std::span<const int> tokens, LstmState& state) {
  auto& m = *impl_;
  const std::int64_t B = m.batch, V = m.config.vocab_size, E = m.config.emb;
  if (static_cast<std::int64_t>(tokens.size()) != B)
    throw std::invalid_argument("InferenceSession::step: " + std::to_string(tokens.size()) + " tokens for " +
                                std::to_string(B) + " streams");
  for (int t : tokens)
    if (t < 0 || t >= V)
      throw std::invalid_argument("InferenceSession::step: token id " + std::to_string(t) + " outside vocabulary of " +
                                  std::to_string(V));
  if (state.batch != B || state.h.size() != m.layers.size() || state.c.size() != m.layers.size())
    throw std::invalid_argument("InferenceSession::step: state has the wrong batch or layer count");
  for (std::size_t l = 0; l < m.layers.size(); ++l) {
    const auto n = static_cast<std::size_t>(B * m.layers[l].out);
    if (state.h[l].size() != n || state.c[l].size() != n)
      throw std::invalid_argument("InferenceSession::step: state layer " + std::to_string(l) + " has the wrong width");
  }

  torch::InferenceMode guard;
  const float* emb = m.emb.data_ptr<float>();
  {
    auto& L0 = m.layers[0];
    float* xh = L0.xh.data_ptr<float>();
    for (std::int64_t b = 0; b < B; ++b)
      std::memcpy(xh + b * (L0.in + L0.out), emb + static_cast<std::int64_t>(tokens[b]) * E, sizeof(float) * E);
  }
  for (std::size_t l = 0; l < m.layers.size(); ++l) {
    auto& L = m.layers[l];
    const std::int64_t H = L.out, row = L.in + L.out;
    float* xh = L.xh.data_ptr<float>();
    float* hs = state.h[l].data();
    float* cs = state.c[l].data();
    for (std::int64_t b = 0; b < B; ++b) std::memcpy(xh + b * row + L.in, hs + b * H, sizeof(float) * H);
    // beta = 0: the output's old contents are ignored, the bias is added below.
    if (B == 1)
      at::addmv_out(L.gates1, L.gates1, L.w, L.xh1, 0.0, 1.0);
    else
      at::addmm_out(L.gates, L.gates, L.xh, L.w_t, 0.0, 1.0);

    const float* g = L.gates.data_ptr<float>();
    const float* bias = L.bias.data_ptr<float>();
    const bool last = l + 1 == m.layers.size();
    float* next = last ? m.top.data_ptr<float>() : m.layers[l + 1].xh.data_ptr<float>();
    const std::int64_t next_row = last ? E : m.layers[l + 1].in + m.layers[l + 1].out;
    for (std::int64_t b = 0; b < B; ++b) {
      const float* gb = g + b * 4 * H;
      float* hb = hs + b * H;
      float* cb = cs + b * H;
      float* nb = next + b * next_row;
      for (std::int64_t j = 0; j < H; ++j) {  // PyTorch gate order: i, f, g, o
        const float i = sigmoid(gb[j] + bias[j]);
        const float f = sigmoid(gb[H + j] + bias[H + j]);
        const float gg = std::tanh(gb[2 * H + j] + bias[2 * H + j]);
        const float o = sigmoid(gb[3 * H + j] + bias[3 * H + j]);
        const float c = f * cb[j] + i * gg;
        cb[j] = c;
        hb[j] = o * std::tanh(c);
        nb[j] = hb[j];
      }
    }
  }
  if (B == 1)
    at::addmv_out(m.logits1, m.logits1, m.emb, m.top1, 0.0, 1.0);
  else
    at::addmm_out(m.logits, m.logits, m.top, m.emb_t, 0.0, 1.0);
  return {m.logits.data_ptr<float>(), static_cast<std::size_t>(B * V)};
}

}  // namespace clara::model
