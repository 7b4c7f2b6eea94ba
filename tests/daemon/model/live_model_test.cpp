#include "daemon/model/live_model.hpp"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <filesystem>

namespace clara::daemon {
namespace {

// The shipped default model, by path so the test does not depend on the working directory.
std::string shipped(const std::string& name) {
  return (std::filesystem::path(CLARA_TEST_DATA) / ".." / ".." / "models" / name).lexically_normal().string();
}

TEST(LiveModel, ThreadsSettingSetsLibTorchIntraOpThreads) {
  for (int threads : {2, 1}) {
    DaemonSettings s;
    s.model = shipped("notewise-piano");
    s.threads = threads;
    s.tokens_per_step_budget = 0.001;  // the budget is not what this test is about
    load_live_model(s);
    EXPECT_EQ(at::get_num_threads(), threads);
  }
}

TEST(LiveModel, CardSamplingFillsTheKeysTheUserDidNotSet) {
  DaemonSettings s;
  s.model = shipped("notewise-piano");
  s.tokens_per_step_budget = 0.001;
  s.duet.sampler.temperature = 0.7;  // as if from the config file or --temperature
  const LiveModel m = load_live_model(s);
  ASSERT_TRUE(m.loaded.card.sampling.policy.has_value());
  EXPECT_EQ(s.duet.sampler.policy, *m.loaded.card.sampling.policy);
  EXPECT_EQ(s.duet.sampler.temperature, 0.7);
  if (m.loaded.card.sampling.top_p) {
    EXPECT_EQ(s.duet.sampler.top_p, *m.loaded.card.sampling.top_p);
  }
  EXPECT_NE(m.sampler_source.find("model card"), std::string::npos) << m.sampler_source;
}

// clarad's own default (1.5, not the library's 0) counts as not set: a card's key_keeping
// replaces it, and a user's value, 0 (off) included, stays.
TEST(LiveModel, CardKeyKeepingReplacesClaradsDefaultButNotTheUsers) {
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  model::ModelCard card;
  card.sampling.key_keeping = 3.0;
  DaemonSettings plain;
  EXPECT_EQ(plain.duet.sampler.key_keeping, kDefaultKeyKeeping);
  EXPECT_FALSE(sampler_keys_differing_from_defaults(plain.duet.sampler).key_keeping);
  complete_settings(plain, spec, card);
  EXPECT_EQ(plain.duet.sampler.key_keeping, 3.0);
  DaemonSettings off;
  off.duet.sampler.key_keeping = 0.0;  // as from key_keeping = 0 or --key-keeping 0
  complete_settings(off, spec, card);
  EXPECT_EQ(off.duet.sampler.key_keeping, 0.0);
}

}  // namespace
}  // namespace clara::daemon

namespace clara::daemon {
namespace {

// `--device cuda` where this LibTorch has no CUDA (as here) stops clarad with the config
// error's code, naming why and what to use instead; where there is CUDA the model loads there.
TEST(LiveModel, DeviceCudaWithoutCudaIsAConfigErrorNamingWhy) {
  DaemonSettings s;
  s.model = shipped("notewise-piano");
  s.tokens_per_step_budget = 0.001;
  s.device = "cuda";
  const auto why = model::cuda_unavailable();
  if (!why) {
    EXPECT_EQ(load_live_model(s).device.chosen, model::Device::cuda);
    return;
  }
  try {
    load_live_model(s);
    ADD_FAILURE() << "no StartupError";
  } catch (const StartupError& e) {
    EXPECT_EQ(e.exit_code, 78);
    EXPECT_EQ(std::string(e.what()), "--device cuda: no CUDA device (" + *why + "); use --device cpu or auto");
  }
}

TEST(LiveModel, DeviceAutoMeasuresAndTheSessionRecordsTheArithmetic) {
  DaemonSettings s;
  s.model = shipped("notewise-piano");
  s.tokens_per_step_budget = 0.001;
  s.precision = "fp32";
  ASSERT_EQ(s.device, "auto");  // the default
  const LiveModel m = load_live_model(s);
  EXPECT_EQ(m.device.requested, model::Device::automatic);
  EXPECT_GT(m.device.cpu_p50_us, 0.0);
  if (const auto why = model::cuda_unavailable()) {
    EXPECT_EQ(m.device.chosen, model::Device::cpu);
    EXPECT_NE(m.device.reason.find("cuda not available: " + *why), std::string::npos) << m.device.reason;
  }
  EXPECT_EQ(m.precision.chosen, model::Precision::fp32);
  EXPECT_EQ(session_source(m, 0).precision, "fp32");
  s.device = "cpu";
  const LiveModel cpu = load_live_model(s);
  EXPECT_EQ(cpu.device.chosen, model::Device::cpu);
  EXPECT_EQ(cpu.device.reason, "cpu as requested");
}

}  // namespace
}  // namespace clara::daemon
