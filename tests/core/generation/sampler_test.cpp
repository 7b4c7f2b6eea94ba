#include "core/generation/sampler.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <string>
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
  rejects([](SamplerConfig& c) { c.key_keeping = -0.5; }, "key_keeping");
  rejects([](SamplerConfig& c) { c.key_keeping = 16.5; }, "key_keeping");
  rejects([](SamplerConfig& c) { c.key_keeping = std::nan(""); }, "key_keeping");
  {
    SamplerConfig c;
    c.key_keeping = SamplerConfig::kMaxKeyKeeping;
    EXPECT_NO_THROW(c.validate());
  }
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

// The key bias as the duet stream sets it: onsets p0..p11 (pitch classes 0..11 here), their
// ends endp0..endp11 and two waits carry none.
struct KeyedVocab {
  std::vector<std::string> names;
  std::vector<std::int8_t> pitch_class;
  KeyedVocab() {
    for (int pc = 0; pc < 12; ++pc) {
      names.push_back("p" + std::to_string(pc));
      pitch_class.push_back(static_cast<std::int8_t>(pc));
      names.push_back("endp" + std::to_string(pc));
      pitch_class.push_back(-1);
    }
    for (const char* w : {"wait1", "wait2"}) {
      names.push_back(w);
      pitch_class.push_back(-1);
    }
  }
};
// +1 on C major's scale, -1 elsewhere (a stand-in for core/duet's Krumhansl bias).
std::array<double, 12> c_major_bias() {
  std::array<double, 12> b{};
  for (int pc = 0; pc < 12; ++pc) b[static_cast<std::size_t>(pc)] = -1.0;
  for (int pc : {0, 2, 4, 5, 7, 9, 11}) b[static_cast<std::size_t>(pc)] = 1.0;
  return b;
}
bool in_c_major(int pc) { return pc == 0 || pc == 2 || pc == 4 || pc == 5 || pc == 7 || pc == 9 || pc == 11; }

TEST(Sampler, KeyKeepingRaisesInKeyOnsetsAndLeavesEndsAndWaits) {
  const KeyedVocab kv;
  const std::vector<float> uniform(kv.names.size(), 0.0f);
  double last_share = 0;
  for (double strength : {0.0, 0.5, 1.0, 2.0}) {
    SCOPED_TRACE(strength);
    SamplerConfig c = config(SamplingPolicy::kTemperature, 3);
    c.key_keeping = strength;
    Sampler s(kv.names.size(), c);
    s.set_pitch_classes(kv.pitch_class);
    s.set_key_bias(c_major_bias());
    int in = 0, onsets = 0, ends = 0, waits = 0;
    constexpr int kDraws = 40000;
    for (int i = 0; i < kDraws; ++i) {
      const int id = s.sample(uniform);
      const int pc = kv.pitch_class[static_cast<std::size_t>(id)];
      if (pc >= 0) {
        ++onsets;
        in += in_c_major(pc);
      } else if (kv.names[static_cast<std::size_t>(id)].starts_with("wait")) {
        ++waits;
      } else {
        ++ends;
      }
    }
    // The in-key share of onsets: softmax of the bias, 7 e^k / (7 e^k + 5 e^-k).
    const double share = static_cast<double>(in) / onsets;
    const double expected = 7 * std::exp(strength) / (7 * std::exp(strength) + 5 * std::exp(-strength));
    EXPECT_NEAR(share, expected, 0.015);
    if (strength > 0) {
      EXPECT_GT(share, last_share + 0.03);
    }
    last_share = share;
    // Ends and waits keep their logit 0: each end weighs what each wait does.
    EXPECT_NEAR(static_cast<double>(ends) / 12, static_cast<double>(waits) / 2, 0.15 * waits / 2);
  }
}

TEST(Sampler, KeyKeepingZeroOrNoBiasDrawsWhatTheSamplerDrewBefore) {
  const KeyedVocab kv;
  std::vector<float> logits(kv.names.size());
  for (std::size_t i = 0; i < logits.size(); ++i) logits[i] = 0.37f * static_cast<float>((i * 7) % 11);
  for (SamplingPolicy p : {SamplingPolicy::kSeed, SamplingPolicy::kTemperature, SamplingPolicy::kTopK,
                           SamplingPolicy::kTopP}) {
    SCOPED_TRACE(to_string(p));
    SamplerConfig plain = config(p, 11);
    Sampler before(kv.names.size(), plain);  // as the sampler was: no pitch classes, no bias
    SamplerConfig off = plain;
    off.key_keeping = 0.0;
    Sampler zero(kv.names.size(), off);  // strength 0 with a bias set
    zero.set_pitch_classes(kv.pitch_class);
    zero.set_key_bias(c_major_bias());
    SamplerConfig on = plain;
    on.key_keeping = 3.0;
    Sampler unset(kv.names.size(), on);  // a strength but no bias yet (no key heard)
    unset.set_pitch_classes(kv.pitch_class);
    Sampler biased(kv.names.size(), on);
    biased.set_pitch_classes(kv.pitch_class);
    biased.set_key_bias(c_major_bias());
    int differ = 0;
    for (std::uint64_t t = 0; t < 400; ++t) {
      for (Sampler* s : {&before, &zero, &unset, &biased}) s->reseed(t * 977 + 5);
      const int a = before.sample(logits);
      EXPECT_EQ(zero.sample(logits), a);
      EXPECT_EQ(unset.sample(logits), a);
      differ += biased.sample(logits) != a;
    }
    EXPECT_GT(differ, 0) << "the bias never changed a draw: the comparison proves nothing";
    biased.clear_key_bias();
    biased.reseed(5);
    before.reseed(5);
    EXPECT_EQ(biased.sample(logits), before.sample(logits));
  }
}

TEST(Sampler, PitchClassesMustCoverTheVocabulary) {
  Sampler s(4, SamplerConfig{});
  const std::vector<std::int8_t> three{0, 1, 2}, bad{0, 1, 12, -1}, worse{0, -2, 1, 1};
  EXPECT_THROW(s.set_pitch_classes(three), std::invalid_argument);
  EXPECT_THROW(s.set_pitch_classes(bad), std::invalid_argument);
  EXPECT_THROW(s.set_pitch_classes(worse), std::invalid_argument);
  const std::vector<std::int8_t> good{0, -1, 11, 5};
  EXPECT_NO_THROW(s.set_pitch_classes(good));
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

// The duet stream's per-token path with the key bias: set the bias, reseed, sample.
TEST(Sampler, KeyBiasedSamplingDoesNotAllocate) {
  const KeyedVocab kv;
  Vocabulary v(kv.names);
  GrammarConfig g;
  g.max_note_steps = 4;
  g.max_polyphony = 3;
  NoteGrammar grammar(v, g);
  std::vector<float> logits(v.size());
  for (std::size_t i = 0; i < logits.size(); ++i) logits[i] = 0.05f * static_cast<float>(i % 9);
  const auto bias = c_major_bias();
  std::vector<std::int8_t> pitch_class(v.size(), -1);  // the vocabulary puts its specials first
  for (int pc = 0; pc < 12; ++pc)
    pitch_class[static_cast<std::size_t>(v.id("p" + std::to_string(pc)))] = static_cast<std::int8_t>(pc);
  for (SamplingPolicy p : {SamplingPolicy::kSeed, SamplingPolicy::kTemperature, SamplingPolicy::kTopK,
                           SamplingPolicy::kTopP}) {
    SamplerConfig c = config(p);
    c.random_freq = 1.0;
    c.key_keeping = 2.0;
    Sampler s(v.size(), c);
    s.set_pitch_classes(pitch_class);
    s.set_mask(mask_for_prefixes(v, {"p"}));
    int in_key = 0, onsets = 0;
    const long before = g_allocations;
    for (int i = 0; i < 500; ++i) {
      s.set_key_bias(bias);
      s.reseed(static_cast<std::uint64_t>(i));
      const int id = s.sample(logits, &grammar);
      grammar.observe(id);
      const int pc = pitch_class[static_cast<std::size_t>(id)];
      onsets += pc >= 0;
      in_key += pc >= 0 && in_c_major(pc);
    }
    EXPECT_EQ(g_allocations, before) << to_string(p);
    EXPECT_GT(in_key * 10, onsets * 8) << "the biased path ran";  // about 7 of 12 without it
  }
}

}  // namespace
}  // namespace clara
