#include "core/model/inference/inference_session.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/model/network/awd_lstm.hpp"

namespace clara::model {
namespace {

AwdLstmConfig small_config() {
  AwdLstmConfig c;
  c.vocab_size = 37, c.emb = 12, c.hidden = 20, c.layers = 3;
  return c;
}

std::vector<int> random_tokens(int n, int vocab, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(0, vocab - 1);
  std::vector<int> t(n);
  for (auto& x : t) x = d(rng);
  return t;
}

// Reference: torch::nn::LSTM modules (one per layer) with the model's weights copied in.
torch::Tensor reference_logits(AwdLstm& model, const std::vector<int>& tokens) {
  torch::NoGradGuard ng;
  const auto& c = model.config();
  auto x = torch::embedding(model.embedding, torch::tensor(std::vector<int64_t>(tokens.begin(), tokens.end()))
                                                 .view({-1, 1}));
  for (int64_t l = 0; l < c.layers; ++l) {
    torch::nn::LSTM lstm(torch::nn::LSTMOptions(c.layer_input(l), c.layer_output(l)));
    lstm->named_parameters()["weight_ih_l0"].copy_(model.weight_ih[l]);
    lstm->named_parameters()["weight_hh_l0"].copy_(model.weight_hh[l]);
    lstm->named_parameters()["bias_ih_l0"].copy_(model.bias_ih[l]);
    lstm->named_parameters()["bias_hh_l0"].copy_(model.bias_hh[l]);
    x = std::get<0>(lstm->forward(x));
  }
  return torch::matmul(x.squeeze(1), model.embedding.t());  // [T, V]
}

TEST(InferenceSession, MatchesTorchLstmStepByStep) {
  torch::manual_seed(7);
  AwdLstm model(small_config());
  model.eval();
  const auto tokens = random_tokens(40, 37, 1);
  auto ref = reference_logits(model, tokens);

  InferenceSession session(model);
  auto state = session.zero_state();
  double worst = 0;
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    auto logits = session.step(tokens[t], state);
    ASSERT_EQ(logits.size(), 37u);
    for (int v = 0; v < 37; ++v)
      worst = std::max(worst, std::abs(static_cast<double>(logits[v]) - ref[t][v].item<double>()));
  }
  EXPECT_LT(worst, 1e-5);
}

// Large enough that every product of the step goes to the BLAS (gate layers and the
// decoder at batch 1 and batched), so that path is held to the same reference.
AwdLstmConfig blas_config() {
  AwdLstmConfig c;
  c.vocab_size = 153, c.emb = 64, c.hidden = 160, c.layers = 3;
  return c;
}

TEST(InferenceSession, MatchesTorchLstmWhereTheBlasRunsTheProducts) {
  torch::manual_seed(12);
  AwdLstm model(blas_config());
  model.eval();
  const auto tokens = random_tokens(40, 153, 4);
  auto ref = reference_logits(model, tokens);
  for (std::int64_t batch : {1, 3}) {
    InferenceSession session(model, batch);
    auto state = session.zero_state();
    double worst = 0;
    for (std::size_t t = 0; t < tokens.size(); ++t) {
      auto logits = session.step(std::vector<int>(static_cast<std::size_t>(batch), tokens[t]), state);
      ASSERT_EQ(logits.size(), static_cast<std::size_t>(153 * batch));
      for (std::int64_t b = 0; b < batch; ++b)
        for (int v = 0; v < 153; ++v)
          worst = std::max(worst, std::abs(static_cast<double>(logits[b * 153 + v]) - ref[t][v].item<double>()));
    }
    EXPECT_LT(worst, 1e-5) << "batch " << batch;
  }
}

// Candidates are compared and replayed, so a step must give the same bits every run.
TEST(InferenceSession, SameInputGivesBitIdenticalLogitsAcrossSessions) {
  for (const AwdLstmConfig& config : {small_config(), blas_config()}) {
    torch::manual_seed(13);
    AwdLstm model(config);
    model.eval();
    const auto tokens = random_tokens(30, static_cast<int>(config.vocab_size), 5);
    std::vector<std::vector<float>> runs;
    for (int run = 0; run < 2; ++run) {
      InferenceSession session(model);
      auto state = session.zero_state();
      std::vector<float> all;
      for (int t : tokens) {
        auto logits = session.step(t, state);
        all.insert(all.end(), logits.begin(), logits.end());
      }
      runs.push_back(std::move(all));
    }
    EXPECT_EQ(runs[0], runs[1]) << "vocab " << config.vocab_size;
  }
}

TEST(InferenceSession, MatchesTrainingModuleInEvalMode) {
  torch::manual_seed(8);
  AwdLstm model(small_config());
  model.eval();
  const auto tokens = random_tokens(25, 37, 2);
  torch::NoGradGuard ng;
  auto input = torch::tensor(std::vector<int64_t>(tokens.begin(), tokens.end())).view({-1, 1});
  auto out = model.forward(input, model.init_hidden(1)).logits.squeeze(1);
  InferenceSession session(model);
  auto state = session.zero_state();
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    auto logits = session.step(tokens[t], state);
    for (int v = 0; v < 37; ++v) ASSERT_NEAR(logits[v], out[t][v].item<float>(), 1e-5) << "t=" << t << " v=" << v;
  }
}

TEST(InferenceSession, RollbackToACopiedStateGivesIdenticalLogits) {
  torch::manual_seed(9);
  AwdLstm model(small_config());
  InferenceSession session(model);
  auto state = session.zero_state();
  for (int t : random_tokens(10, 37, 3)) session.step(t, state);
  const LstmState saved = state;
  auto first = session.step(5, state);
  std::vector<float> a(first.begin(), first.end());
  EXPECT_NE(state, saved);  // stepping moved the state on
  session.step(11, state);  // a different continuation, then roll back
  state = saved;
  auto second = session.step(5, state);
  std::vector<float> b(second.begin(), second.end());
  EXPECT_EQ(a, b);
}

TEST(InferenceSession, BatchEqualsIndependentStreams) {
  torch::manual_seed(10);
  AwdLstm model(small_config());
  constexpr int B = 4, T = 15;
  InferenceSession batched(model, B), single(model, 1);
  auto bstate = batched.zero_state();
  std::vector<LstmState> sstates(B, single.zero_state());
  std::vector<std::vector<int>> streams;
  for (int b = 0; b < B; ++b) streams.push_back(random_tokens(T, 37, 100 + b));
  for (int t = 0; t < T; ++t) {
    std::vector<int> toks;
    for (int b = 0; b < B; ++b) toks.push_back(streams[b][t]);
    auto bl = batched.step(toks, bstate);
    std::vector<float> blogits(bl.begin(), bl.end());
    for (int b = 0; b < B; ++b) {
      auto sl = single.step(streams[b][t], sstates[b]);
      for (int v = 0; v < 37; ++v) ASSERT_NEAR(blogits[b * 37 + v], sl[v], 1e-5) << "stream " << b << " t " << t;
    }
  }
  for (int b = 0; b < B; ++b) {
    auto one = bstate.stream(b);
    for (std::size_t l = 0; l < one.h.size(); ++l)
      for (std::size_t j = 0; j < one.h[l].size(); ++j) ASSERT_NEAR(one.h[l][j], sstates[b].h[l][j], 1e-5);
  }
  // A stream's state can be moved into another row (candidate selection).
  bstate.set_stream(0, sstates[3]);
  EXPECT_EQ(bstate.stream(0), sstates[3]);
}

TEST(InferenceSession, RejectsBadTokensAndStatesWithoutTouchingState) {
  torch::manual_seed(11);
  AwdLstm model(small_config());
  InferenceSession session(model, 2);
  auto state = session.zero_state();
  const auto before = state;
  EXPECT_THROW(session.step(std::vector<int>{1, 37}, state), std::invalid_argument);
  EXPECT_THROW(session.step(std::vector<int>{-1, 3}, state), std::invalid_argument);
  EXPECT_THROW(session.step(std::vector<int>{1}, state), std::invalid_argument);
  EXPECT_EQ(state, before);
  LstmState wrong = state;
  wrong.h[1].pop_back();
  EXPECT_THROW(session.step(std::vector<int>{1, 2}, wrong), std::invalid_argument);
}

}  // namespace
}  // namespace clara::model
