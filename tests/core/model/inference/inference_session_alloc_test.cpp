// The daemon's hot path must not touch the heap once warm (SPEC: no allocation per
// step after warm-up). Every allocation route is counted while a window is open:
// global operator new (TensorImpl, intrusive_ptr, std::vector, boxing) and the C
// malloc family that c10's CPU allocator and the BLAS use (posix_memalign). The
// counters are process-wide (any thread), but only count inside the window, so the
// rest of clara_model_tests is unaffected apart from a relaxed atomic load.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <new>
#include <random>
#include <vector>

#include "core/model/network/awd_lstm.hpp"
#include "core/model/inference/inference_session.hpp"

namespace {

std::atomic<bool> g_counting{false};
std::atomic<long> g_news{0};
std::atomic<long> g_mallocs{0};

void note_new() {
  if (g_counting.load(std::memory_order_relaxed)) g_news.fetch_add(1, std::memory_order_relaxed);
}
void note_malloc() {
  if (g_counting.load(std::memory_order_relaxed)) g_mallocs.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

// glibc's real allocator under its exported internal names, so the wrappers below
// need no dlsym (which itself allocates).
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);

void* malloc(std::size_t n) {
  note_malloc();
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t s) {
  note_malloc();
  return __libc_calloc(n, s);
}
void* realloc(void* p, std::size_t n) {
  note_malloc();
  return __libc_realloc(p, n);
}
void free(void* p) { __libc_free(p); }
void* memalign(std::size_t a, std::size_t n) {
  note_malloc();
  return __libc_memalign(a, n);
}
void* aligned_alloc(std::size_t a, std::size_t n) {
  note_malloc();
  return __libc_memalign(a, n);
}
int posix_memalign(void** out, std::size_t a, std::size_t n) {
  note_malloc();
  void* p = __libc_memalign(a, n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}
}

// libstdc++'s default array, nothrow and sized forms forward to these two; its
// operator delete frees with free(), which matches.
void* operator new(std::size_t n) {
  note_new();
  if (void* p = __libc_malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
  note_new();
  if (void* p = __libc_memalign(static_cast<std::size_t>(a), n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t) noexcept { __libc_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { __libc_free(p); }

namespace clara::model {
namespace {

struct Counts {
  long news, mallocs;
};

template <class F>
Counts count_allocations(F&& f) {
  g_news = 0, g_mallocs = 0;
  g_counting = true;
  f();
  g_counting = false;
  return {g_news.load(), g_mallocs.load()};
}

// The counters must see what they claim to see, or a zero below means nothing.
TEST(InferenceSessionAllocations, CountersSeeNewAndMalloc) {
  std::vector<int>* v = nullptr;
  const auto c = count_allocations([&] { v = new std::vector<int>(100); });
  delete v;
  EXPECT_GE(c.news, 2);  // the vector object and its buffer
  const auto t = count_allocations([] { auto x = torch::empty({64, 64}); (void)x; });
  EXPECT_GE(t.news + t.mallocs, 2);  // TensorImpl (new) and storage (c10's posix_memalign)
}

void expect_no_allocations(std::int64_t batch, const AwdLstmConfig& config, Precision precision = Precision::fp32) {
  torch::manual_seed(3);
  AwdLstm model(config);
  model.eval();
  InferenceSession session(model, batch, precision);
  ASSERT_EQ(session.precision(), precision);
  auto state = session.zero_state();
  std::mt19937 rng(5);
  std::vector<int> tokens(static_cast<std::size_t>(batch));
  auto next = [&] {
    for (auto& t : tokens) t = static_cast<int>(rng() % config.vocab_size);
  };
  for (int i = 0; i < 100; ++i) next(), session.step(tokens, state);  // warm-up

  std::vector<std::vector<int>> stream(10000, tokens);  // drawn before the window opens
  for (auto& s : stream) next(), s = tokens;
  float sink = 0;
  const auto c = count_allocations([&] {
    for (const auto& s : stream) sink += session.step(s, state)[0];
  });
  EXPECT_EQ(c.news, 0) << "operator new calls in 10000 steps at batch " << batch << ", " << precision_name(precision);
  EXPECT_EQ(c.mallocs, 0) << "malloc-family calls in 10000 steps at batch " << batch << ", "
                          << precision_name(precision);
  EXPECT_TRUE(std::isfinite(sink));
}

AwdLstmConfig alloc_config() {
  AwdLstmConfig c = AwdLstmConfig::preset("small", 61);
  c.layers = 3;  // a middle layer too
  return c;
}

TEST(InferenceSessionAllocations, NoneAfterWarmUpAtBatch1) { expect_no_allocations(1, alloc_config()); }
TEST(InferenceSessionAllocations, NoneAfterWarmUpAtBatch4) { expect_no_allocations(4, alloc_config()); }
TEST(InferenceSessionAllocations, NoneAfterWarmUpAtBatch1Int8) {
  expect_no_allocations(1, alloc_config(), Precision::int8);
}
TEST(InferenceSessionAllocations, NoneAfterWarmUpAtBatch4Int8) {
  expect_no_allocations(4, alloc_config(), Precision::int8);
}

}  // namespace
}  // namespace clara::model
