#include "core/evaluation/bootstrap.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace clara {
namespace {

TEST(Bootstrap, ConstantSamplesGiveAPointInterval) {
  const std::vector<double> v(10, 3.5);
  const Interval i = bootstrap_mean_interval(v, BootstrapOptions{});
  EXPECT_DOUBLE_EQ(i.low, 3.5);
  EXPECT_DOUBLE_EQ(i.high, 3.5);
}

TEST(Bootstrap, ResamplesWithReplacementAndCoversTheMean) {
  // Half zeros, half ones: the mean is 0.5; with 100 samples its standard error is 0.05,
  // so a 95 % interval is about 0.4 .. 0.6.
  std::vector<double> v(100, 0.0);
  for (std::size_t i = 0; i < 50; ++i) v[i] = 1;
  BootstrapOptions o;
  o.seed = 3;
  o.resamples = 2000;
  const Interval i = bootstrap_mean_interval(v, o);
  EXPECT_LT(i.low, 0.5);
  EXPECT_GT(i.high, 0.5);
  EXPECT_NEAR(i.low, 0.40, 0.03);
  EXPECT_NEAR(i.high, 0.60, 0.03);
  // Each resample has as many indices as samples, repeats included.
  std::size_t calls = 0;
  bool repeats = false;
  bootstrap_interval(
      20,
      [&](std::span<const std::size_t> pick) {
        ++calls;
        EXPECT_EQ(pick.size(), 20u);
        std::vector<int> seen(20, 0);
        for (std::size_t k : pick) {
          EXPECT_LT(k, 20u);
          repeats |= ++seen[k] > 1;
        }
        return 0.0;
      },
      BootstrapOptions{.seed = 1, .resamples = 10, .level = 0.9});
  EXPECT_EQ(calls, 10u);
  EXPECT_TRUE(repeats);
}

TEST(Bootstrap, SameSeedSameInterval) {
  std::vector<double> v;
  for (int i = 0; i < 30; ++i) v.push_back((i * 37) % 11);
  const BootstrapOptions o{.seed = 42, .resamples = 300, .level = 0.95};
  const Interval a = bootstrap_mean_interval(v, o);
  const Interval b = bootstrap_mean_interval(v, o);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.high, b.high);
}

TEST(Bootstrap, RefusesBadOptions) {
  const std::vector<double> v{1, 2};
  EXPECT_THROW(
      bootstrap_mean_interval(v, BootstrapOptions{.seed = 0, .resamples = 0, .level = 0.95}),
      std::invalid_argument);
  EXPECT_THROW(bootstrap_mean_interval(v, BootstrapOptions{.seed = 0, .resamples = 10, .level = 1}),
               std::invalid_argument);
  EXPECT_THROW(bootstrap_mean_interval(std::vector<double>{}, BootstrapOptions{}),
               std::invalid_argument);
}

}  // namespace
}  // namespace clara
