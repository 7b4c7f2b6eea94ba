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

}  // namespace
}  // namespace clara::daemon
