#include "core/model/inference/inference_session.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>
#include <vector>

#include "core/model/files/model_files.hpp"
#include "core/model/inference/int8_gemv.hpp"
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

// The int8 step against the fp32 one, on the same tokens: per-row weight scales and
// per-step activation scales keep every logit close (stated bound: max |diff| < 0.05
// on these random-weight models, whose logits span about +-1), and the probe's mean
// KL within 1 % of the fp32 NLL.
double max_logit_diff_int8(const AwdLstm& model, std::int64_t batch, const std::vector<int>& tokens) {
  InferenceSession fp32(model, batch, Precision::fp32), int8(model, batch, Precision::int8);
  EXPECT_EQ(fp32.precision(), Precision::fp32);
  EXPECT_EQ(int8.precision(), Precision::int8);
  auto s32 = fp32.zero_state(), s8 = int8.zero_state();
  double worst = 0;
  for (int t : tokens) {
    const std::vector<int> toks(static_cast<std::size_t>(batch), t);
    auto a = fp32.step(toks, s32);
    auto b = int8.step(toks, s8);
    EXPECT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(static_cast<double>(a[i] - b[i])));
  }
  return worst;
}

TEST(InferenceSessionInt8, LogitsWithinToleranceOfFp32OnRandomWeights) {
  for (const AwdLstmConfig& config : {small_config(), blas_config()}) {
    torch::manual_seed(21);
    AwdLstm model(config);
    model.eval();
    const auto tokens = random_tokens(200, static_cast<int>(config.vocab_size), 6);
    for (std::int64_t batch : {1, 3}) {
      const double worst = max_logit_diff_int8(model, batch, tokens);
      EXPECT_LT(worst, 0.05) << "vocab " << config.vocab_size << " batch " << batch;
      EXPECT_GT(worst, 0.0) << "int8 must actually differ from fp32 (the path ran)";
    }
    const auto probe = probe_int8(model, 200);
    EXPECT_EQ(probe.steps, 200);
    EXPECT_TRUE(probe.within()) << "KL " << probe.mean_kl << " fp32 NLL " << probe.fp32_nll;
    EXPECT_LT(std::abs(probe.int8_nll - probe.fp32_nll), 0.01 * probe.fp32_nll);
  }
}

// The same shipped model the daemon plays, where the source tree has it (it always
// does in this repository; the test says so when it does not).
TEST(InferenceSessionInt8, ShippedModelsWithinTolerance) {
  for (const char* name : {"notewise-piano", "chamber"}) {
    const auto dir = std::filesystem::path(CLARA_TEST_DATA) / ".." / ".." / "models" / name;
    if (!std::filesystem::exists(dir / "weights.pt")) {
      ADD_FAILURE() << dir << " missing";
      continue;
    }
    const auto loaded = load_model_folder(dir);
    const auto probe = probe_int8(*loaded.model, 512);
    std::printf("%s: probe of %d tokens: fp32 NLL %.4f, int8 NLL %.4f, KL %.5f, max |logit diff| %.4f\n", name,
                probe.steps, probe.fp32_nll, probe.int8_nll, probe.mean_kl, probe.max_abs_logit_diff);
    EXPECT_TRUE(probe.within()) << name << ": KL " << probe.mean_kl << " fp32 NLL " << probe.fp32_nll;
    EXPECT_LT(std::abs(probe.int8_nll - probe.fp32_nll), 0.01 * probe.fp32_nll) << name;
    EXPECT_LT(probe.max_abs_logit_diff, 0.5) << name;
  }
}

TEST(InferenceSessionInt8, SameInputGivesBitIdenticalLogitsAcrossSessions) {
  torch::manual_seed(22);
  AwdLstm model(blas_config());
  const auto tokens = random_tokens(30, 153, 8);
  std::vector<std::vector<float>> runs;
  for (int run = 0; run < 2; ++run) {
    InferenceSession session(model, 1, Precision::int8);
    auto state = session.zero_state();
    std::vector<float> all;
    for (int t : tokens) {
      auto logits = session.step(t, state);
      all.insert(all.end(), logits.begin(), logits.end());
    }
    runs.push_back(std::move(all));
  }
  EXPECT_EQ(runs[0], runs[1]);
}

TEST(InferenceSessionInt8, BatchEqualsIndependentStreams) {
  torch::manual_seed(23);
  AwdLstm model(blas_config());
  constexpr int B = 3, T = 12;
  InferenceSession batched(model, B, Precision::int8), single(model, 1, Precision::int8);
  auto bstate = batched.zero_state();
  std::vector<LstmState> sstates(B, single.zero_state());
  for (int t = 0; t < T; ++t) {
    const std::vector<int> toks{t % 153, (7 * t + 1) % 153, (13 * t + 2) % 153};
    auto bl = batched.step(toks, bstate);
    std::vector<float> blogits(bl.begin(), bl.end());
    for (int b = 0; b < B; ++b) {
      auto sl = single.step(toks[b], sstates[b]);
      for (int v = 0; v < 153; ++v) ASSERT_EQ(blogits[b * 153 + v], sl[v]) << "stream " << b << " t " << t;
    }
  }
}

TEST(InferenceSessionInt8, AutomaticNeedsAClockAndSaysWhy) {
  torch::manual_seed(24);
  AwdLstm model(blas_config());
  EXPECT_THROW(InferenceSession(model, 1, Precision::automatic), std::invalid_argument);
  const MonotonicNanos now = [] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  };
  InferenceSession session(model, 1, Precision::automatic, now);
  const auto& c = session.precision_choice();
  EXPECT_EQ(c.requested, Precision::automatic);
  EXPECT_NE(c.chosen, Precision::automatic);
  EXPECT_EQ(session.precision(), c.chosen);
  EXPECT_GT(c.fp32_p50_us, 0.0);
  EXPECT_GT(c.int8_p50_us, 0.0);
  EXPECT_TRUE(c.probe.within());
  // The rule, whatever this loaded machine measured.
  EXPECT_EQ(c.chosen == Precision::int8, c.int8_p50_us <= (1 - kAutoMargin) * c.fp32_p50_us);
  EXPECT_NE(c.reason.find(precision_name(c.chosen)), std::string::npos) << c.reason;
  std::printf("auto: %s\n", c.reason.c_str());
  // Asked for explicitly: no measurement, no clock needed.
  const auto forced = choose_precision(model, Precision::fp32);
  EXPECT_EQ(forced.chosen, Precision::fp32);
  EXPECT_EQ(forced.fp32_p50_us, 0.0);
  EXPECT_EQ(choose_precision(model, Precision::int8).chosen, Precision::int8);
}

TEST(Precision, NamesRoundTrip) {
  for (Precision p : {Precision::fp32, Precision::int8, Precision::automatic})
    EXPECT_EQ(parse_precision(precision_name(p)), p);
  EXPECT_FALSE(parse_precision("fp16").has_value());
  EXPECT_FALSE(parse_precision("").has_value());
}

}  // namespace
}  // namespace clara::model
