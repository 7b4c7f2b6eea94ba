#include "core/model/inference/inference_session.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include <Eigen/Core>

#include "core/model/network/awd_lstm.hpp"
#include "core/model/inference/blas_kernel.hpp"
#include "core/model/inference/int8_gemv.hpp"

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

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowMap = Eigen::Map<RowMatrix>;
using VecMap = Eigen::Map<Eigen::VectorXf>;

// Owned buffers rather than ATen ops: at these sizes ATen's per-call dispatch is a
// large share of a step, and its batched path (addmm) mallocs a work buffer on every
// call. Small products run on Eigen (noalias() writes straight into the destination);
// large ones on the system BLAS, whose run-time AVX2/AVX-512 kernels beat our SSE2-only
// Eigen once the matrix is big enough to pay for the call (bench/step_model_bench).
// Neither allocates per call.
//
// Crossover in matrix elements (rows x cols), measured on the bench machine (OpenBLAS
// 0.3.21 with its Haswell kernels, SSE2 Eigen, one thread): at batch 1 BLAS sgemv ties
// Eigen at 2.5-5k elements (loses 0.8x at 153x16) and wins 1.2-1.5x from 8k up; batched,
// sgemm beats Eigen's lazy product 1.8-10x from the smallest shape measured (2.4k).
constexpr std::int64_t kBlasMinElementsSingle = 8192;
constexpr std::int64_t kBlasMinElementsBatched = 2048;

bool use_blas(std::int64_t rows, std::int64_t cols, std::int64_t batch) {
  return rows * cols >= (batch == 1 ? kBlasMinElementsSingle : kBlasMinElementsBatched);
}

struct Layer {
  std::int64_t in = 0, out = 0;
  bool blas = false;   // chosen once, by size, at construction
  RowMatrix w;         // [4 out, in + out] = [W_ih | W_hh]: one product per step
  Eigen::VectorXf bias;  // [4 out] = b_ih + b_hh, added in the pointwise loop
  RowMatrix xh;        // [B, in + out]: this step's input next to the previous h
  RowMatrix gates;     // [4 out, B]: gate-major, so each weight row is read once for all streams
  // int8 precision: w quantized per row (w itself then freed), xh quantized per step.
  int8::Matrix wq;
  int8::Activations xhq;
};

RowMatrix to_eigen(const torch::Tensor& t) {
  auto c = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  return RowMap(c.data_ptr<float>(), c.size(0), c.dim() > 1 ? c.size(1) : 1);
}

}  // namespace

struct InferenceSession::Impl {
  AwdLstmConfig config;
  std::int64_t batch = 1;
  RowMatrix emb;  // [V, E], also the tied decoder
  std::vector<Layer> layers;
  RowMatrix top;     // [B, E] last layer output
  RowMatrix logits;  // [B, V]
  bool blas_decoder = false;
  PrecisionChoice choice;
  bool use_int8 = false;
  int8::Kernel kernel = int8::Kernel::scalar;
  int8::Matrix decoder_q;  // the tied decoder (emb) quantized per vocabulary row
  int8::Activations top_q;
};

InferenceSession::InferenceSession(const AwdLstm& model, std::int64_t batch, Precision precision,
                                   const MonotonicNanos& now)
    : impl_(std::make_unique<Impl>()) {
  if (batch < 1) throw std::invalid_argument("InferenceSession: batch must be at least 1");
  auto& m = *impl_;
  m.choice = choose_precision(model, precision, now);
  m.use_int8 = m.choice.chosen == Precision::int8;
  m.kernel = int8::best_kernel();
  torch::NoGradGuard guard;
  m.config = model.config();
  m.batch = batch;
  m.emb = to_eigen(model.embedding);
  for (std::int64_t l = 0; l < m.config.layers; ++l) {
    Layer L;
    L.in = m.config.layer_input(l);
    L.out = m.config.layer_output(l);
    L.w.resize(4 * L.out, L.in + L.out);
    L.w << to_eigen(model.weight_ih[l]), to_eigen(model.weight_hh[l]);
    L.bias = to_eigen(model.bias_ih[l]).col(0) + to_eigen(model.bias_hh[l]).col(0);
    L.xh = RowMatrix::Zero(batch, L.in + L.out);
    L.gates = RowMatrix::Zero(4 * L.out, batch);
    L.blas = use_blas(L.w.rows(), L.w.cols(), batch);
    if (m.use_int8) {
      L.wq = int8::Matrix(L.w.data(), L.w.rows(), L.w.cols());
      L.xhq = int8::Activations(batch, L.w.cols());
      L.w = RowMatrix();
      L.blas = false;
    }
    m.layers.push_back(std::move(L));
  }
  m.top = RowMatrix::Zero(batch, m.config.emb);
  m.logits = RowMatrix::Zero(batch, m.config.vocab_size);
  m.blas_decoder = use_blas(m.emb.rows(), m.emb.cols(), batch);
  if (m.use_int8) {
    m.decoder_q = int8::Matrix(m.emb.data(), m.emb.rows(), m.emb.cols());
    m.top_q = int8::Activations(batch, m.config.emb);
    m.blas_decoder = false;
  }
  bool any_blas = m.blas_decoder;
  for (const auto& L : m.layers) any_blas = any_blas || L.blas;
  // The caller's thread runs the step alone: a BLAS pool would fan out on a real-time
  // thread and spin cores the daemon does not own.
  if (any_blas) blas::pin_to_one_thread();
}

InferenceSession::~InferenceSession() = default;
InferenceSession::InferenceSession(InferenceSession&&) noexcept = default;
InferenceSession& InferenceSession::operator=(InferenceSession&&) noexcept = default;

const AwdLstmConfig& InferenceSession::config() const { return impl_->config; }
std::int64_t InferenceSession::batch() const { return impl_->batch; }
Precision InferenceSession::precision() const { return impl_->choice.chosen; }
const PrecisionChoice& InferenceSession::precision_choice() const { return impl_->choice; }

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

  for (std::int64_t b = 0; b < B; ++b) m.layers[0].xh.row(b).head(E) = m.emb.row(tokens[b]);
  for (std::size_t l = 0; l < m.layers.size(); ++l) {
    auto& L = m.layers[l];
    const std::int64_t H = L.out;
    float* hs = state.h[l].data();
    float* cs = state.c[l].data();
    L.xh.rightCols(H) = RowMap(hs, B, H);
    if (m.use_int8) {
      for (std::int64_t b = 0; b < B; ++b) L.xhq.quantize(b, L.xh.row(b).data());
      int8::gemm(L.wq, L.xhq, L.gates.data(), B, 1, m.kernel);
    } else if (L.blas && B == 1)
      blas::gemv(4 * H, L.w.cols(), L.w.data(), L.xh.data(), L.gates.data());
    else if (L.blas)
      blas::gemm_nt(4 * H, B, L.w.cols(), L.w.data(), L.xh.data(), L.gates.data());
    else if (B == 1)
      VecMap(L.gates.data(), 4 * H).noalias() = L.w * L.xh.row(0).transpose();
    else
      L.gates.noalias() = L.w.lazyProduct(L.xh.transpose());

    const float* g = L.gates.data();
    const float* bias = L.bias.data();
    const bool last = l + 1 == m.layers.size();
    RowMatrix& next = last ? m.top : m.layers[l + 1].xh;
    for (std::int64_t b = 0; b < B; ++b) {
      float* hb = hs + b * H;
      float* cb = cs + b * H;
      float* nb = next.row(b).data();
      for (std::int64_t j = 0; j < H; ++j) {  // PyTorch gate order: i, f, g, o
        const float i = sigmoid(g[j * B + b] + bias[j]);
        const float f = sigmoid(g[(H + j) * B + b] + bias[H + j]);
        const float gg = std::tanh(g[(2 * H + j) * B + b] + bias[2 * H + j]);
        const float o = sigmoid(g[(3 * H + j) * B + b] + bias[3 * H + j]);
        const float c = f * cb[j] + i * gg;
        cb[j] = c;
        hb[j] = o * std::tanh(c);
        nb[j] = hb[j];
      }
    }
  }
  if (m.use_int8) {
    for (std::int64_t b = 0; b < B; ++b) m.top_q.quantize(b, m.top.row(b).data());
    int8::gemm(m.decoder_q, m.top_q, m.logits.data(), 1, V, m.kernel);
  } else if (m.blas_decoder && B == 1)
    blas::gemv(V, E, m.emb.data(), m.top.data(), m.logits.data());
  else if (m.blas_decoder)
    blas::gemm_nt(B, V, E, m.top.data(), m.emb.data(), m.logits.data());
  else if (B == 1)
    VecMap(m.logits.data(), V).noalias() = m.emb * m.top.row(0).transpose();
  else
    m.logits.noalias() = m.top.lazyProduct(m.emb.transpose());
  return {m.logits.data(), static_cast<std::size_t>(B * V)};
}

}  // namespace clara::model
