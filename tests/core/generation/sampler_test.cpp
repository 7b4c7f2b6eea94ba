#include "core/generation/sampler.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <new>
#include <vector>

// Counts allocations so the test below can check that sampling never allocates (it runs in the
// daemon's real-time inference thread). Replacing the global operators affects the whole test
// binary, which is harmless: they only count and forward to malloc/free.
#if defined(__GNUC__) && !defined(__clang__)
// GCC flags the free() inside the replaced operator delete as a mismatch; here it is the pair.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
namespace {
thread_local long g_allocations = 0;
}
void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
// The nothrow form too: std::stable_sort's temporary buffer comes from it and goes back
// through the plain operator delete above, and under ASan a mixed pair reads as a mismatch.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  ++g_allocations;
  return std::malloc(n ? n : 1);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace clara {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

SamplerConfig config(SamplingPolicy policy, std::uint64_t seed = 1) {
  SamplerConfig c;
  c.policy = policy;
  c.seed = seed;
  return c;
}

std::vector<int> histogram(Sampler& s, const std::vector<float>& logits, int draws) {
  std::vector<int> h(logits.size(), 0);
  for (int i = 0; i < draws; ++i) ++h[static_cast<std::size_t>(s.sample(logits))];
  return h;
}

double softmax_share(const std::vector<float>& logits, std::vector<int> among, int which, double t = 1.0) {
  double sum = 0;
  for (int i : among) sum += std::exp(logits[static_cast<std::size_t>(i)] / t);
  return std::exp(logits[static_cast<std::size_t>(which)] / t) / sum;
}

TEST(Sampler, SeedPolicyArgmaxFrequency) {
  // Arg-max with probability 1 - f, else a softmax draw among the top 3 (which may be the top).
  const std::vector<float> logits{0.1f, 2.0f, -1.0f, 1.5f, 1.0f, 0.5f};
  SamplerConfig c = config(SamplingPolicy::kSeed, 7);
  c.random_freq = 0.5;
  c.top_k = 3;
  Sampler s(logits.size(), c);
  const int n = 40000;
  auto h = histogram(s, logits, n);
  const double p_top = softmax_share(logits, {1, 3, 4}, 1);
  EXPECT_NEAR(h[1] / double(n), 0.5 + 0.5 * p_top, 0.015);
  EXPECT_NEAR(h[3] / double(n), 0.5 * softmax_share(logits, {1, 3, 4}, 3), 0.015);
  EXPECT_EQ(h[0] + h[2] + h[5], 0);  // outside the top 3
}

TEST(Sampler, SeedPolicyWithoutRandomnessIsArgmax) {
  const std::vector<float> logits{0.1f, 2.0f, 2.5f, -3.0f};
  SamplerConfig c = config(SamplingPolicy::kSeed);
  c.random_freq = 0.0;
  Sampler s(logits.size(), c);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(s.sample(logits), 2);
}

TEST(Sampler, TemperaturePolicyMatchesSoftmax) {
  const std::vector<float> logits{0.0f, 1.0f, -0.5f, 0.5f};
  SamplerConfig c = config(SamplingPolicy::kTemperature, 3);
  c.temperature = 2.0;
  Sampler s(logits.size(), c);
  const int n = 40000;
  auto h = histogram(s, logits, n);
  for (int i = 0; i < 4; ++i)
    EXPECT_NEAR(h[static_cast<std::size_t>(i)] / double(n), softmax_share(logits, {0, 1, 2, 3}, i, 2.0), 0.015);
}

TEST(Sampler, LowTemperatureApproachesArgmax) {
  const std::vector<float> logits{1.0f, 0.8f, 0.7f, 0.2f};
  SamplerConfig hot = config(SamplingPolicy::kTemperature, 5);
  SamplerConfig cold = hot;
  cold.temperature = 0.05;
  Sampler a(logits.size(), hot), b(logits.size(), cold);
  const int n = 5000;
  const double share_hot = histogram(a, logits, n)[0] / double(n);
  const double share_cold = histogram(b, logits, n)[0] / double(n);
  EXPECT_LT(share_hot, 0.5);
  EXPECT_GT(share_cold, 0.97);
}

TEST(Sampler, TopKNeverLeavesTheTopK) {
  const std::vector<float> logits{3.0f, 0.0f, 2.9f, 2.8f, 0.0f, 2.7f};
  SamplerConfig c = config(SamplingPolicy::kTopK, 11);
  c.top_k = 2;
  Sampler s(logits.size(), c);
  auto h = histogram(s, logits, 10000);
  EXPECT_GT(h[0], 0);
  EXPECT_GT(h[2], 0);
  EXPECT_EQ(h[0] + h[2], 10000);
}

TEST(Sampler, TopPNeverLeavesTheNucleus) {
  // Probabilities 0.5, 0.3, 0.15, 0.05: with top_p = 0.7 the nucleus is {0.5, 0.3}.
  const std::vector<float> logits{std::log(0.15f), std::log(0.5f), std::log(0.05f), std::log(0.3f)};
  SamplerConfig c = config(SamplingPolicy::kTopP, 13);
  c.top_p = 0.7;
  Sampler s(logits.size(), c);
  const int n = 20000;
  auto h = histogram(s, logits, n);
  EXPECT_EQ(h[0] + h[2], 0);
  EXPECT_NEAR(h[1] / double(n), 0.5 / 0.8, 0.015);
  c.top_p = 1.0;
  s.set_config(c);
  auto all = histogram(s, logits, n);
  EXPECT_GT(all[2], 0);
}

TEST(Sampler, SameSeedSameSequenceDifferentSeedDiffers) {
  const std::vector<float> logits{0.0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f};
  SamplerConfig c = config(SamplingPolicy::kTemperature, 42);
  Sampler a(logits.size(), c), b(logits.size(), c);
  c.seed = 43;
  Sampler other(logits.size(), c);
  std::vector<int> sa, sb, so;
  for (int i = 0; i < 200; ++i) {
    sa.push_back(a.sample(logits));
    sb.push_back(b.sample(logits));
    so.push_back(other.sample(logits));
  }
  EXPECT_EQ(sa, sb);
  EXPECT_NE(sa, so);
  // set_config restarts the stream.
  c.seed = 42;
  a.set_config(c);
  EXPECT_EQ(a.sample(logits), sa[0]);
}

TEST(Sampler, ReseedRestartsTheStreamAndKeepsThePolicy) {
  const std::vector<float> logits{0.0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f};
  SamplerConfig c = config(SamplingPolicy::kTopK, 42);
  c.top_k = 3;
  Sampler a(logits.size(), c);
  c.seed = 99;
  Sampler fresh(logits.size(), c);
  std::vector<int> from_fresh, from_reseeded;
  for (int i = 0; i < 100; ++i) from_fresh.push_back(fresh.sample(logits));
  for (int i = 0; i < 37; ++i) a.sample(logits);  // wherever its own stream stands
  a.reseed(99);
  for (int i = 0; i < 100; ++i) from_reseeded.push_back(a.sample(logits));
  EXPECT_EQ(from_reseeded, from_fresh);
  EXPECT_EQ(a.config().seed, 42u);  // the configured seed is not replaced
  EXPECT_EQ(a.config().policy, SamplingPolicy::kTopK);
  // Still top-k: only the 3 best ids ever come out.
  for (int id : from_reseeded) EXPECT_GE(id, 5);
}

TEST(Sampler, ValidatesParameters) {
  auto rejects = [](auto edit, const char* name) {
    SamplerConfig c;
    edit(c);
    try {
      Sampler s(4, c);
      ADD_FAILURE() << name << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  };
  rejects([](SamplerConfig& c) { c.temperature = 0.01; }, "temperature");
  rejects([](SamplerConfig& c) { c.temperature = 6.0; }, "temperature");
  rejects([](SamplerConfig& c) { c.temperature = std::nan(""); }, "temperature");
  rejects([](SamplerConfig& c) { c.top_k = 0; }, "top_k");
  rejects([](SamplerConfig& c) { c.top_p = 0.0; }, "top_p");
  rejects([](SamplerConfig& c) { c.top_p = 1.5; }, "top_p");
  rejects([](SamplerConfig& c) { c.random_freq = -0.1; }, "random_freq");
  rejects([](SamplerConfig& c) { c.random_freq = 1.1; }, "random_freq");
  EXPECT_THROW(Sampler(0, SamplerConfig{}), std::invalid_argument);
  Sampler s(4, SamplerConfig{});
  std::vector<float> three(3, 0.0f);
  EXPECT_THROW(s.sample(three), std::invalid_argument);
  EXPECT_THROW(s.set_mask(TokenMask(5, 1)), std::invalid_argument);
}

TEST(Sampler, MaskedIdsAreNeverReturned) {
  // The masked ids carry the largest logits, so any leak would show up quickly.
  std::vector<float> logits{5.0f, 0.0f, 4.0f, 0.1f, 0.2f, 3.0f};
  TokenMask mask{0, 1, 0, 1, 1, 0};
  for (SamplingPolicy p : {SamplingPolicy::kSeed, SamplingPolicy::kTemperature, SamplingPolicy::kTopK,
                           SamplingPolicy::kTopP}) {
    SamplerConfig c = config(p, 99);
    c.random_freq = 1.0;
    Sampler s(logits.size(), c);
    s.set_mask(mask);
    auto h = histogram(s, logits, 10000);
    EXPECT_EQ(h[0] + h[2] + h[5], 0);
    s.clear_mask();
    EXPECT_GT(histogram(s, logits, 100)[0], 0);
  }
}

TEST(Sampler, NanAndInfinityAreHandled) {
  Sampler s(4, config(SamplingPolicy::kTemperature));
  const std::vector<float> nan_top{kNaN, 0.0f, -kInf, kNaN};
  for (int i = 0; i < 500; ++i) ASSERT_EQ(s.sample(nan_top), 1);
  const std::vector<float> inf_pair{kInf, 100.0f, kInf, 0.0f};
  auto h = histogram(s, inf_pair, 4000);
  EXPECT_EQ(h[1] + h[3], 0);
  EXPECT_NEAR(h[0] / 4000.0, 0.5, 0.05);  // +inf ties share the mass
  const std::vector<float> none{kNaN, -kInf, -kInf, kNaN};
  EXPECT_THROW(s.sample(none), NoAdmissibleToken);
  s.set_mask(TokenMask{0, 0, 0, 0});
  const std::vector<float> fine{0.0f, 1.0f, 2.0f, 3.0f};
  EXPECT_THROW(s.sample(fine), NoAdmissibleToken);
}

TEST(Sampler, GrammarForcesNoteOffUnderAnyPolicy) {
  Vocabulary v({"p0", "endp0", "p1", "endp1", "wait1", "wait2"});
  GrammarConfig g;
  g.max_note_steps = 2;
  NoteGrammar grammar(v, g);
  grammar.observe(v.id("p0"));
  grammar.observe(v.id("wait1"));
  std::vector<float> logits(v.size(), 0.0f);
  logits[static_cast<std::size_t>(v.id("wait1"))] = 10.0f;  // the model wants to hold on
  for (SamplingPolicy p : {SamplingPolicy::kSeed, SamplingPolicy::kTemperature, SamplingPolicy::kTopK,
                           SamplingPolicy::kTopP}) {
    Sampler s(v.size(), config(p));
    for (int i = 0; i < 200; ++i) ASSERT_EQ(s.sample(logits, &grammar), v.id("endp0"));
  }
  grammar.observe(v.id("endp0"));
  Sampler s(v.size(), config(SamplingPolicy::kSeed));
  EXPECT_EQ(s.sample(logits, &grammar), v.id("wait1"));
}

TEST(Sampler, SamplingDoesNotAllocate) {
  {  // the counter is live, so the checks below can fail
    const long before = g_allocations;
    auto probe = std::make_unique<int>(1);
    EXPECT_GT(g_allocations, before);
  }
  Vocabulary v({"p0", "endp0", "p1", "endp1", "v0", "endv0", "wait1", "wait2"});
  GrammarConfig g;
  g.max_note_steps = 4;
  g.max_polyphony = 2;
  NoteGrammar grammar(v, g);
  std::vector<float> logits(v.size());
  for (std::size_t i = 0; i < logits.size(); ++i) logits[i] = 0.1f * static_cast<float>(i);
  logits[0] = kNaN;
  for (SamplingPolicy p : {SamplingPolicy::kSeed, SamplingPolicy::kTemperature, SamplingPolicy::kTopK,
                           SamplingPolicy::kTopP}) {
    SamplerConfig c = config(p);
    c.random_freq = 1.0;
    Sampler s(v.size(), c);
    s.set_mask(mask_for_prefixes(v, {"p"}));
    const long before = g_allocations;
    for (int i = 0; i < 500; ++i) grammar.observe(s.sample(logits, &grammar));
    EXPECT_EQ(g_allocations, before);
  }
}

}  // namespace
}  // namespace clara
