#include "core/model/inference/device.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <vector>

#include "core/encoding/vocabulary.hpp"
#include "core/model/inference/lstm_token_model.hpp"
#include "core/model/inference/torch_token_model.hpp"

namespace clara::model {

const char* device_name(Device d) {
  switch (d) {
    case Device::cpu:
      return "cpu";
    case Device::cuda:
      return "cuda";
    case Device::automatic:
      return "auto";
  }
  return "?";
}

std::optional<Device> parse_device(std::string_view s) {
  if (s == "cpu") return Device::cpu;
  if (s == "cuda") return Device::cuda;
  if (s == "auto") return Device::automatic;
  return std::nullopt;
}

std::optional<std::string> cuda_unavailable() {
  if (!at::hasCUDA()) return std::string("this LibTorch build is CPU-only");
  if (!torch::cuda::is_available() || torch::cuda::device_count() == 0)
    return std::string("no GPU is visible to this LibTorch build");
  return std::nullopt;
}

double step_p50_us(TokenModel& lm, const MonotonicNanos& now, int warmup, int steps) {
  if (!now) throw std::invalid_argument("step_p50_us: needs a clock to measure with");
  std::mt19937 rng(7);
  const auto V = static_cast<std::uint32_t>(lm.vocab_size());
  std::vector<double> t;
  t.reserve(static_cast<std::size_t>(steps));
  lm.reset();
  for (int i = 0; i < warmup + steps; ++i) {
    const int token = static_cast<int>(rng() % V);
    const std::int64_t a = now();
    lm.feed(token);
    if (i >= warmup) t.push_back(static_cast<double>(now() - a) / 1000.0);
  }
  lm.reset();
  if (t.empty()) return 0;
  std::nth_element(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(t.size() / 2), t.end());
  return t[t.size() / 2];
}

namespace {

std::string format(const char* fmt, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

PrecisionChoice fp32_on_cuda(Precision requested) {
  PrecisionChoice p;
  p.requested = requested;
  p.chosen = Precision::fp32;
  p.reason = requested == Precision::int8
                 ? "fp32: the cuda step (LibTorch's) has no int8; int8 applies to the cpu step"
                 : "fp32: the cuda step (LibTorch's) runs fp32";
  return p;
}

}  // namespace

StepModel make_step_model(const AwdLstm& model, Device device, Precision precision,
                          const MonotonicNanos& now) {
  StepModel s;
  s.device.requested = device;
  if (device == Device::cuda) {
    if (auto why = cuda_unavailable()) throw DeviceUnavailable("no CUDA device (" + *why + ")");
    s.lm = std::make_unique<TorchTokenModel>(model, torch::Device(torch::kCUDA, 0));
    s.precision = fp32_on_cuda(precision);
    s.device.chosen = Device::cuda;
    s.device.reason = "cuda as requested";
    return s;
  }
  auto cpu = std::make_unique<LstmTokenModel>(model, precision, now);
  s.precision = cpu->precision_choice();
  if (device == Device::cpu) {
    s.lm = std::move(cpu);
    s.device.chosen = Device::cpu;
    s.device.reason = "cpu as requested";
    return s;
  }
  if (!now)
    throw std::invalid_argument("make_step_model: automatic device needs a clock to measure with");
  DeviceChoice& d = s.device;
  const PrecisionChoice& pc = s.precision;
  const bool measured = pc.requested == Precision::automatic && pc.fp32_p50_us > 0;
  d.cpu_p50_us = measured ? (pc.chosen == Precision::int8 ? pc.int8_p50_us : pc.fp32_p50_us)
                          : step_p50_us(*cpu, now);
  std::optional<std::string> why = cuda_unavailable();
  std::unique_ptr<TorchTokenModel> gpu;
  if (!why) {
    try {  // a GPU that is visible but cannot be used counts as none
      gpu = std::make_unique<TorchTokenModel>(model, torch::Device(torch::kCUDA, 0));
      d.cuda_p50_us = step_p50_us(*gpu, now);
    } catch (const std::exception& e) {
      const std::string what = e.what();  // LibTorch's: the first line says it
      why = "the cuda step failed: " + what.substr(0, std::min<std::size_t>(what.find('\n'), 200));
      gpu.reset();
      d.cuda_p50_us = 0;
    }
  }
  if (why) {
    d.cuda_unavailable = *why;
    d.chosen = Device::cpu;
    d.reason = format("cpu: step p50 %.1f us at batch 1 (%s, %s); cuda not available: %s",
                      d.cpu_p50_us, precision_name(pc.chosen),
                      measured ? "timed by the precision choice" : "timed here", why->c_str());
    s.lm = std::move(cpu);
    return s;
  }
  const std::string figures =
      format("step p50 at batch 1 cuda fp32 %.1f us vs cpu %s %.1f us (%.2fx)", d.cuda_p50_us,
             precision_name(pc.chosen), d.cpu_p50_us, d.cuda_p50_us / d.cpu_p50_us);
  if (d.cuda_p50_us <= (1.0 - kAutoMargin) * d.cpu_p50_us) {
    d.chosen = Device::cuda;
    d.reason = "cuda: faster; " + figures;
    s.lm = std::move(gpu);
    s.precision = fp32_on_cuda(precision);
  } else {
    d.chosen = Device::cpu;
    d.reason = format("cpu: cuda is not at least %.0f%% faster; ", kAutoMargin * 100) + figures;
    s.lm = std::move(cpu);
  }
  return s;
}

}  // namespace clara::model
