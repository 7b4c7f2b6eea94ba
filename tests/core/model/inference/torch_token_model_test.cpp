#include "core/model/inference/torch_token_model.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/model/inference/inference_session.hpp"
#include "core/model/inference/lstm_token_model.hpp"
#include "core/model/network/awd_lstm.hpp"
#include "tests/core/model/inference/random_model.hpp"

namespace clara::model {
namespace {

// The torch step agrees with Clara's CPU kernels to this much per logit (absolute; the
// logits of these models are of order 1). Both are fp32 with another summation order.
constexpr float kLogitTolerance = 1e-5f;

// Tiny (the Eigen products) and one whose products go to the BLAS in InferenceSession.
std::shared_ptr<AwdLstm> tiny_model() { return test::random_model(29, 8, 12, 2, 3); }
std::shared_ptr<AwdLstm> blas_model() { return test::random_model(153, 64, 160, 3, 11); }

std::vector<int> tokens_for(std::int64_t vocab, int n) {
  std::vector<int> t;
  for (int i = 0; i < n; ++i) t.push_back(static_cast<int>((7 * i + 3) % vocab));
  return t;
}

std::vector<float> run(TokenModel& lm, const std::vector<int>& tokens) { return test::last_logits(lm, tokens); }

void expect_matches_inference_session(const AwdLstm& model, int steps) {
  TorchTokenModel torch_step(model, torch::Device(torch::kCPU));
  InferenceSession session(model, 1, Precision::fp32);
  LstmState state = session.zero_state();
  const auto V = static_cast<std::size_t>(model.config().vocab_size);
  ASSERT_EQ(torch_step.vocab_size(), V);
  float worst = 0;
  for (int t : tokens_for(model.config().vocab_size, steps)) {
    auto a = torch_step.feed(t);
    auto b = session.step(t, state);
    ASSERT_EQ(a.size(), V);
    for (std::size_t v = 0; v < V; ++v) {
      ASSERT_TRUE(std::isfinite(a[v]));
      worst = std::max(worst, std::abs(a[v] - b[v]));
    }
  }
  EXPECT_LE(worst, kLogitTolerance);
  std::printf("torch step on cpu vs InferenceSession, %d steps of V %zu: max |logit diff| %.3g\n",
              steps, V, static_cast<double>(worst));
}

TEST(TorchTokenModel, OnTorchsCpuMatchesTheInferenceSession) {
  expect_matches_inference_session(*tiny_model(), 64);
  expect_matches_inference_session(*blas_model(), 64);
}

TEST(TorchTokenModel, RestoreThenFeedEqualsAFreshReplay) {
  auto m = blas_model();
  TorchTokenModel lm(*m, torch::Device(torch::kCPU));
  const std::vector<int> prefix{2, 5, 9, 11}, tail{3, 4, 20}, human{7, 8};
  run(lm, prefix);
  auto checkpoint = lm.save();
  const std::vector<float> speculative = run(lm, tail);  // then thrown away
  lm.restore(*checkpoint);
  const std::vector<float> rolled = run(lm, human);
  EXPECT_NE(rolled, speculative);

  TorchTokenModel fresh(*m, torch::Device(torch::kCPU));
  std::vector<int> all = prefix;
  all.insert(all.end(), human.begin(), human.end());
  EXPECT_EQ(rolled, run(fresh, all));  // the same ops on the same device: bit-identical

  // The snapshot survives a restore: a second one gives the same again.
  run(lm, tail);
  lm.restore(*checkpoint);
  EXPECT_EQ(rolled, run(lm, human));
}

TEST(TorchTokenModel, SavedStateKeepsTheLogitsOfItsPointAndResetStartsOver) {
  auto m = tiny_model();
  TorchTokenModel lm(*m, torch::Device(torch::kCPU));
  const std::vector<float> first = run(lm, {2, 6});
  auto s = lm.save();
  run(lm, {1, 1, 1});
  lm.restore(*s);
  auto kept = lm.feed(4);  // after restore, the next feed continues from the saved point
  const std::vector<float> after_restore(kept.begin(), kept.end());
  lm.reset();
  EXPECT_EQ(run(lm, {2, 6}), first);
  EXPECT_EQ(run(lm, {4}), after_restore);
}

TEST(TorchTokenModel, RejectsForeignStatesAndBadTokens) {
  auto m = tiny_model();
  TorchTokenModel lm(*m, torch::Device(torch::kCPU));
  LstmTokenModel cpu(*m);
  EXPECT_THROW(lm.restore(*cpu.save()), std::invalid_argument);
  EXPECT_THROW(cpu.restore(*lm.save()), std::invalid_argument);
  run(lm, {3});
  EXPECT_THROW(lm.feed(29), std::invalid_argument);
  EXPECT_THROW(lm.feed(-1), std::invalid_argument);
  // A refused token leaves the state as it was.
  TorchTokenModel fresh(*m, torch::Device(torch::kCPU));
  EXPECT_EQ(run(lm, {5}), run(fresh, {3, 5}));
  EXPECT_EQ(lm.device(), torch::Device(torch::kCPU));
}

}  // namespace
}  // namespace clara::model
