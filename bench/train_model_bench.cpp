// Training throughput (tokens/s) of Clara's training iteration against a plain
// torch::nn::LSTM training loop of the same size, on the same random token stream.
// Ours is the iteration of core/model/trainer.cpp: AwdLstm forward with every AWD
// regulariser (dropoute, locked dropouts, DropConnect on W_hh), cross-entropy + AR +
// TAR, backward, gradient clipping, Adam. The plain loop is Embedding -> one
// torch::nn::LSTM per layer (same widths) -> decoder tied to the embedding,
// cross-entropy, backward, the same clipping and Adam, no AWD extras. Both carry and
// detach the hidden state across batches. Fixed bptt (no variable-length windows),
// fixed seed, warm-up iterations, then the median seconds per iteration.
//   train_model_bench [iterations=5] [warm-up=1] [threads=2] [preset...]
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "core/model/network/awd_lstm.hpp"
#include "core/model/training/training_step.hpp"

namespace {

using namespace clara::model;
using Clock = std::chrono::steady_clock;
namespace F = torch::nn::functional;

// Same optimiser settings as TrainOptions' defaults.
constexpr double kLr = 1e-3, kClip = 0.3, kWeightDecay = 1e-6, kBeta1 = 0.7, kBeta2 = 0.99;

torch::optim::AdamOptions adam_options() {
  return torch::optim::AdamOptions(kLr).betas({kBeta1, kBeta2}).weight_decay(kWeightDecay);
}

// The stream cut into `bs` columns, consumed `bptt` rows at a time (wrapping around).
struct Batches {
  torch::Tensor grid;  // [rows, bs] int64
  std::int64_t bptt, at = 0;
  Batches(const std::vector<std::int64_t>& stream, std::int64_t bs, std::int64_t bptt) : bptt(bptt) {
    const auto rows = static_cast<std::int64_t>(stream.size()) / bs;
    grid = torch::from_blob(const_cast<std::int64_t*>(stream.data()), {bs, rows}, torch::kInt64).t().contiguous();
  }
  std::pair<torch::Tensor, torch::Tensor> next() {
    if (at + bptt + 1 > grid.size(0)) at = 0;
    auto x = grid.slice(0, at, at + bptt), y = grid.slice(0, at + 1, at + 1 + bptt).reshape({-1});
    at += bptt;
    return {x, y};
  }
};

double median_seconds(const std::function<void()>& iteration, int iterations, int warmup) {
  for (int i = 0; i < warmup; ++i) iteration();
  std::vector<double> s;
  for (int i = 0; i < iterations; ++i) {
    const auto a = Clock::now();
    iteration();
    s.push_back(std::chrono::duration<double>(Clock::now() - a).count());
  }
  std::sort(s.begin(), s.end());
  return s[s.size() / 2];
}

struct Ours {
  AwdLstm model;
  torch::optim::Adam opt;
  HiddenState hidden;
  Batches data;
  Ours(const AwdLstmConfig& c, const std::vector<std::int64_t>& stream, std::int64_t bs, std::int64_t bptt)
      : model(c), opt(model.parameters(), adam_options()), hidden(model.init_hidden(bs)), data(stream, bs, bptt) {
    model.train();
  }
  double iteration() {  // exactly the trainer's iteration, less logging and the LR schedule
    auto [x, y] = data.next();
    return training_step(model, opt, hidden, x, y, kClip);
  }
};

struct PlainNet : torch::nn::Module {
  torch::nn::Embedding embedding{nullptr};
  std::vector<torch::nn::LSTM> lstms;
  explicit PlainNet(const AwdLstmConfig& c) {
    embedding = register_module("embedding", torch::nn::Embedding(c.vocab_size, c.emb));
    for (std::int64_t l = 0; l < c.layers; ++l)
      lstms.push_back(register_module("lstm" + std::to_string(l),
                                      torch::nn::LSTM(torch::nn::LSTMOptions(c.layer_input(l), c.layer_output(l)))));
  }
};

struct Plain {
  std::shared_ptr<PlainNet> net;
  torch::optim::Adam opt;
  std::vector<std::tuple<torch::Tensor, torch::Tensor>> hidden;
  Batches data;
  std::int64_t vocab;
  Plain(const AwdLstmConfig& c, const std::vector<std::int64_t>& stream, std::int64_t bs, std::int64_t bptt)
      : net(std::make_shared<PlainNet>(c)), opt(net->parameters(), adam_options()), data(stream, bs, bptt),
        vocab(c.vocab_size) {
    for (std::int64_t l = 0; l < c.layers; ++l)
      hidden.emplace_back(torch::zeros({1, bs, c.layer_output(l)}), torch::zeros({1, bs, c.layer_output(l)}));
    net->train();
  }
  double iteration() {
    auto [x, y] = data.next();
    auto h = net->embedding->forward(x);
    for (std::size_t l = 0; l < net->lstms.size(); ++l) {
      auto [out, state] = net->lstms[l]->forward(
          h, std::make_tuple(std::get<0>(hidden[l]).detach(), std::get<1>(hidden[l]).detach()));
      hidden[l] = state;
      h = out;
    }
    auto logits = F::linear(h, net->embedding->weight);  // tied decoder
    auto loss = F::cross_entropy(logits.reshape({-1, vocab}), y);
    opt.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(net->parameters(), kClip);
    opt.step();
    return loss.item<double>();
  }
};

}  // namespace

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  const int warmup = argc > 2 ? std::max(0, std::atoi(argv[2])) : 1;
  const int threads = argc > 3 ? std::max(1, std::atoi(argv[3])) : 2;
  std::vector<std::string> presets;
  for (int i = 4; i < argc; ++i) presets.emplace_back(argv[i]);
  if (presets.empty()) presets = {"tiny", "small"};
  const std::int64_t vocab = 153, bptt = 100;
  at::set_num_threads(threads);

  std::mt19937 rng(1);
  std::vector<std::int64_t> stream(400000);
  for (auto& t : stream) t = static_cast<std::int64_t>(rng() % vocab);

  std::printf("training throughput, vocab %lld, bptt %lld, %d threads, median of %d iterations after %d warm-up\n",
              static_cast<long long>(vocab), static_cast<long long>(bptt), at::get_num_threads(), iterations, warmup);
  std::printf("%-6s %5s %-34s %10s %10s %8s\n", "size", "bs", "loop", "s/iter", "tokens/s", "speed/ours");
  for (const auto& preset : presets) {
    const auto config = AwdLstmConfig::preset(preset, vocab);
    for (std::int64_t bs : {32, 128}) {
      const double tokens = static_cast<double>(bs * bptt);
      torch::manual_seed(1);
      Ours ours(config, stream, bs, bptt);
      const double t_ours = median_seconds([&] { ours.iteration(); }, iterations, warmup);
      torch::manual_seed(1);
      Plain plain(config, stream, bs, bptt);
      const double t_plain = median_seconds([&] { plain.iteration(); }, iterations, warmup);
      auto row = [&](const char* name, double t) {
        std::printf("%-6s %5lld %-34s %10.4f %10.0f %8.2f\n", preset.c_str(), static_cast<long long>(bs), name, t,
                    tokens / t, t_ours / t);
      };
      row("ours (AWD-LSTM, AR/TAR, clip, Adam)", t_ours);
      row("plain nn::LSTM (clip, Adam)", t_plain);
      std::printf("%-6s %5lld ours/plain tokens/s %.2f\n", preset.c_str(), static_cast<long long>(bs), t_plain / t_ours);
    }
  }
  return 0;
}
