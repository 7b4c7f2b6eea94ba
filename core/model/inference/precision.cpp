#include "core/model/inference/precision.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <vector>

#include "core/encoding/vocabulary.hpp"
#include "core/model/inference/inference_session.hpp"
#include "core/model/network/awd_lstm.hpp"

namespace clara::model {

const char* precision_name(Precision p) {
  switch (p) {
    case Precision::fp32:
      return "fp32";
    case Precision::int8:
      return "int8";
    case Precision::automatic:
      return "auto";
  }
  return "?";
}

std::optional<Precision> parse_precision(std::string_view s) {
  if (s == "fp32") return Precision::fp32;
  if (s == "int8") return Precision::int8;
  if (s == "auto") return Precision::automatic;
  return std::nullopt;
}

namespace {

// log-softmax in double, into `out`.
void log_softmax(std::span<const float> logits, std::vector<double>& out) {
  out.resize(logits.size());
  double mx = -INFINITY;
  for (float v : logits) mx = std::max(mx, static_cast<double>(v));
  double sum = 0;
  for (float v : logits) sum += std::exp(static_cast<double>(v) - mx);
  const double lse = mx + std::log(sum);
  for (std::size_t i = 0; i < logits.size(); ++i) out[i] = static_cast<double>(logits[i]) - lse;
}

std::string format(const char* fmt, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

}  // namespace

PrecisionProbe probe_int8(const AwdLstm& model, int steps, std::uint32_t seed) {
  InferenceSession fp32(model, 1, Precision::fp32), int8(model, 1, Precision::int8);
  auto s32 = fp32.zero_state(), s8 = int8.zero_state();
  const auto V = static_cast<std::size_t>(fp32.vocab_size());
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> lp32, lp8;
  PrecisionProbe p;
  int token = Vocabulary::kEos < static_cast<int>(V) ? Vocabulary::kEos : 0;
  for (int i = 0; i < steps; ++i) {
    const auto l32 = fp32.step(token, s32);
    const auto l8 = int8.step(token, s8);
    for (std::size_t v = 0; v < V; ++v)
      p.max_abs_logit_diff =
          std::max(p.max_abs_logit_diff, static_cast<double>(std::abs(l32[v] - l8[v])));
    log_softmax(l32, lp32);
    log_softmax(l8, lp8);
    double kl = 0;
    for (std::size_t v = 0; v < V; ++v) kl += std::exp(lp32[v]) * (lp32[v] - lp8[v]);
    p.mean_kl += kl;
    // The next token from the fp32 model's own distribution.
    double r = u(rng), acc = 0;
    std::size_t next = V - 1;
    for (std::size_t v = 0; v < V; ++v) {
      acc += std::exp(lp32[v]);
      if (r < acc) {
        next = v;
        break;
      }
    }
    p.fp32_nll -= lp32[next];
    p.int8_nll -= lp8[next];
    token = static_cast<int>(next);
    ++p.steps;
  }
  if (p.steps > 0) {
    p.mean_kl /= p.steps;
    p.fp32_nll /= p.steps;
    p.int8_nll /= p.steps;
  }
  return p;
}

PrecisionChoice choose_precision(const AwdLstm& model, Precision requested,
                                 const MonotonicNanos& now) {
  PrecisionChoice c;
  c.requested = requested;
  if (requested != Precision::automatic) {
    c.chosen = requested;
    c.reason = std::string(precision_name(requested)) + " as requested";
    return c;
  }
  if (!now)
    throw std::invalid_argument(
        "choose_precision: automatic precision needs a clock to measure with");

  c.probe = probe_int8(model);
  InferenceSession fp32(model, 1, Precision::fp32), int8(model, 1, Precision::int8);
  auto s32 = fp32.zero_state(), s8 = int8.zero_state();
  std::mt19937 rng(7);
  const auto V = static_cast<std::uint32_t>(fp32.vocab_size());
  // Interleaved blocks, so a change of load on the machine falls on both alike.
  constexpr int kWarmup = 30, kBlocks = 8, kBlock = 25;
  std::vector<double> t32, t8;
  auto run = [&](InferenceSession& s, LstmState& st, std::vector<double>* out, int n) {
    for (int i = 0; i < n; ++i) {
      const int token = static_cast<int>(rng() % V);
      const std::int64_t a = now();
      s.step(token, st);
      if (out) out->push_back(static_cast<double>(now() - a) / 1000.0);
    }
  };
  run(fp32, s32, nullptr, kWarmup);
  run(int8, s8, nullptr, kWarmup);
  for (int b = 0; b < kBlocks; ++b) {
    run(fp32, s32, &t32, kBlock);
    run(int8, s8, &t8, kBlock);
  }
  auto p50 = [](std::vector<double>& v) {
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  c.fp32_p50_us = p50(t32);
  c.int8_p50_us = p50(t8);
  const bool faster = c.int8_p50_us <= (1.0 - kAutoMargin) * c.fp32_p50_us;
  const bool within = c.probe.within();
  c.chosen = faster && within ? Precision::int8 : Precision::fp32;
  const std::string figures = format(
      "step p50 int8 %.1f us vs fp32 %.1f us (%.2fx); probe of %d tokens: KL(fp32||int8) %.4f "
      "nats/token, "
      "limit %.4f (1%% of fp32 NLL %.3f)",
      c.int8_p50_us, c.fp32_p50_us, c.int8_p50_us / c.fp32_p50_us, c.probe.steps, c.probe.mean_kl,
      PrecisionProbe::kRelativeTolerance * c.probe.fp32_nll, c.probe.fp32_nll);
  if (c.chosen == Precision::int8)
    c.reason = "int8: faster and within tolerance; " + figures;
  else if (!faster)
    c.reason =
        format("fp32: int8 is not at least %.0f%% faster here; ", kAutoMargin * 100) + figures;
  else
    c.reason = "fp32: int8 logits outside tolerance; " + figures;
  return c;
}

}  // namespace clara::model
