#pragma once
// Which device runs the inference step: Clara's own CPU kernels (InferenceSession, fp32 or
// int8), or LibTorch's step on a CUDA GPU (TorchTokenModel, fp32). `automatic` measures the
// step at batch 1 on each device this machine has and keeps the fastest, saying why with
// the figures. core has no clock of its own: the caller hands one in. Torch-free header.
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/generation/token_model.hpp"
#include "core/model/inference/precision.hpp"

namespace clara::model {

class AwdLstm;

enum class Device { cpu, cuda, automatic };

const char* device_name(Device d);                       // "cpu", "cuda", "auto"
std::optional<Device> parse_device(std::string_view s);  // the same names

// Why this process cannot run on CUDA ("this LibTorch build is CPU-only", "no GPU is
// visible ..."), or nullopt when it can.
std::optional<std::string> cuda_unavailable();

// `--device cuda` where cuda_unavailable() says why not.
struct DeviceUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct DeviceChoice {
  Device requested = Device::cpu;
  Device chosen = Device::cpu;  // never automatic
  // Filled when `requested` is automatic: the p50 of a step at batch 1 on each device
  // (0 where that device was not measured), and why CUDA was not measured.
  double cpu_p50_us = 0, cuda_p50_us = 0;
  std::string cuda_unavailable;
  std::string reason;  // one line for the log, with the figures
};

// The step clarad and `clara generate` run: the model on the chosen device, at the chosen
// precision (on cuda always fp32: LibTorch's step has no int8), and why each was chosen.
struct StepModel {
  std::unique_ptr<TokenModel> lm;
  PrecisionChoice precision;
  DeviceChoice device;
};

// auto's measurement of a step: kDeviceWarmup steps, then kDeviceSteps timed, p50.
inline constexpr int kDeviceWarmup = 30, kDeviceSteps = 200;

// Resolves `device` and `precision` and builds the step:
//  - cpu: LstmTokenModel at `precision` (automatic measures fp32 against int8);
//  - cuda: TorchTokenModel on CUDA device 0, fp32; DeviceUnavailable when
//    cuda_unavailable() says why not (nothing is measured);
//  - automatic: the CPU step as for cpu; its p50 is the precision choice's figure when it
//    measured, else measured here; where CUDA is available its step is measured too, and
//    the faster p50 wins (cuda only when it is at least kAutoMargin faster); a CUDA step
//    that throws while built or measured counts as no CUDA, its first line the reason.
// `now` is needed whenever something is measured (std::invalid_argument without it).
StepModel make_step_model(const AwdLstm& model, Device device, Precision precision,
                          const MonotonicNanos& now = {});

// The p50 in microseconds of `steps` feeds after `warmup` (tokens drawn with a fixed seed);
// the model is reset before and after.
double step_p50_us(TokenModel& lm, const MonotonicNanos& now, int warmup = kDeviceWarmup,
                   int steps = kDeviceSteps);

}  // namespace clara::model
