// Per-token inference step time of InferenceSession for the shipped sizes against
// (a) torch::nn::LSTM modules driven one token at a time and (b) plain scalar loops
// with no BLAS (not a true floor: without -ffast-math the reductions stay scalar).
// Same weights, same tokens, warm-up first, fixed seed; p50/p99/max in us and ratios.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "core/model/awd_lstm.hpp"
#include "core/model/inference_session.hpp"

namespace {

using namespace clara::model;
using Clock = std::chrono::steady_clock;

struct Stats {
  double p50, p99, max;
};

Stats measure(const std::function<void(int)>& step, const std::vector<int>& tokens, int warmup) {
  for (int i = 0; i < warmup; ++i) step(tokens[i % tokens.size()]);
  std::vector<double> us;
  us.reserve(tokens.size());
  for (int t : tokens) {
    const auto a = Clock::now();
    step(t);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - a).count());
  }
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[static_cast<std::size_t>(us.size() * 0.99)], us.back()};
}

// The floor: what the arithmetic costs with no library at all.
struct PlainLoop {
  struct Layer {
    int in, out;
    std::vector<float> w, b, h, c, x, g;  // w: [4 out][in + out]
  };
  std::vector<Layer> layers;
  std::vector<float> emb, logits;
  int E, V;
  explicit PlainLoop(const AwdLstm& m) {
    auto vec = [](const torch::Tensor& t) {
      auto c = t.detach().contiguous();
      return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    };
    E = static_cast<int>(m.config().emb);
    V = static_cast<int>(m.config().vocab_size);
    emb = vec(m.embedding);
    logits.resize(V);
    for (std::int64_t l = 0; l < m.config().layers; ++l) {
      Layer L;
      L.in = static_cast<int>(m.config().layer_input(l));
      L.out = static_cast<int>(m.config().layer_output(l));
      auto wi = vec(m.weight_ih[l]), wh = vec(m.weight_hh[l]), bi = vec(m.bias_ih[l]), bh = vec(m.bias_hh[l]);
      for (int r = 0; r < 4 * L.out; ++r) {
        L.w.insert(L.w.end(), wi.begin() + r * L.in, wi.begin() + (r + 1) * L.in);
        L.w.insert(L.w.end(), wh.begin() + r * L.out, wh.begin() + (r + 1) * L.out);
        L.b.push_back(bi[r] + bh[r]);
      }
      L.h.assign(L.out, 0), L.c.assign(L.out, 0), L.x.assign(L.in + L.out, 0), L.g.assign(4 * L.out, 0);
      layers.push_back(std::move(L));
    }
  }
  void step(int token) {
    std::copy(emb.begin() + token * E, emb.begin() + (token + 1) * E, layers[0].x.begin());
    const float* top = nullptr;
    for (std::size_t l = 0; l < layers.size(); ++l) {
      auto& L = layers[l];
      std::copy(L.h.begin(), L.h.end(), L.x.begin() + L.in);
      const int n = L.in + L.out;
      for (int r = 0; r < 4 * L.out; ++r) {
        const float* w = L.w.data() + static_cast<std::size_t>(r) * n;
        float s = L.b[r];
        for (int k = 0; k < n; ++k) s += w[k] * L.x[k];
        L.g[r] = s;
      }
      const int H = L.out;
      auto sg = [](float v) { return 1.0f / (1.0f + std::exp(-v)); };
      for (int j = 0; j < H; ++j) {
        L.c[j] = sg(L.g[H + j]) * L.c[j] + sg(L.g[j]) * std::tanh(L.g[2 * H + j]);
        L.h[j] = sg(L.g[3 * H + j]) * std::tanh(L.c[j]);
      }
      if (l + 1 < layers.size()) std::copy(L.h.begin(), L.h.end(), layers[l + 1].x.begin());
      top = L.h.data();
    }
    for (int v = 0; v < V; ++v) {
      float s = 0;
      for (int k = 0; k < E; ++k) s += emb[v * E + k] * top[k];
      logits[v] = s;
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  const int steps = argc > 1 ? std::max(100, std::atoi(argv[1])) : 2000;
  const int vocab = 153;  // piano notewise at sf 12 (SPEC §9)
  std::mt19937 rng(1);
  std::vector<int> tokens(steps);
  for (auto& t : tokens) t = static_cast<int>(rng() % vocab);
  std::printf("per-token step, %d steps after %d warm-up, %d intra-op threads\n", steps, 200, at::get_num_threads());
  std::printf("%-6s %-26s %9s %9s %9s %8s\n", "size", "method", "p50 us", "p99 us", "max us", "p50 x");
  for (const char* preset : {"tiny", "small", "seed"}) {
    torch::manual_seed(1);
    AwdLstm model(AwdLstmConfig::preset(preset, vocab));
    model.eval();
    InferenceSession session(model);
    auto state = session.zero_state();
    const Stats ours = measure([&](int t) { session.step(t, state); }, tokens, 200);

    torch::InferenceMode guard;
    std::vector<torch::nn::LSTM> lstms;
    std::vector<std::tuple<torch::Tensor, torch::Tensor>> hc;
    const auto& c = model.config();
    for (std::int64_t l = 0; l < c.layers; ++l) {
      torch::nn::LSTM m(torch::nn::LSTMOptions(c.layer_input(l), c.layer_output(l)));
      m->named_parameters()["weight_ih_l0"].copy_(model.weight_ih[l]);
      m->named_parameters()["weight_hh_l0"].copy_(model.weight_hh[l]);
      m->named_parameters()["bias_ih_l0"].copy_(model.bias_ih[l]);
      m->named_parameters()["bias_hh_l0"].copy_(model.bias_hh[l]);
      m->eval();
      lstms.push_back(m);
      hc.emplace_back(torch::zeros({1, 1, c.layer_output(l)}), torch::zeros({1, 1, c.layer_output(l)}));
    }
    auto emb = model.embedding.detach();
    const Stats module = measure(
        [&](int t) {
          auto x = emb[t].view({1, 1, -1});
          for (std::size_t l = 0; l < lstms.size(); ++l) {
            auto [y, s] = lstms[l]->forward(x, hc[l]);
            hc[l] = s;
            x = y;
          }
          auto logits = torch::matmul(x.view({-1}), emb.t());
          (void)logits;
        },
        tokens, 200);
    PlainLoop plain(model);
    const Stats floor = measure([&](int t) { plain.step(t); }, tokens, 200);
    auto row = [&](const char* name, const Stats& s) {
      std::printf("%-6s %-26s %9.1f %9.1f %9.1f %8.2f\n", preset, name, s.p50, s.p99, s.max, s.p50 / ours.p50);
    };
    row("InferenceSession::step", ours);
    row("torch::nn::LSTM per token", module);
    row("plain loops (no BLAS)", floor);
  }
  return 0;
}
