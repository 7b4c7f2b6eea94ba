#pragma once
// Which arithmetic the inference step runs: fp32 weights through the BLAS, or int8
// weights (per-row scales, int8_gemv) for the LSTM gate matrices and the decoder, the
// embedding rows staying float. `automatic` measures both on this machine at load and
// keeps int8 only where it is faster and its logits are within tolerance of fp32's.
// core has no clock of its own: the caller hands one in. Torch-free header.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace clara::model {

class AwdLstm;

enum class Precision { fp32, int8, automatic };

const char* precision_name(Precision p);                       // "fp32", "int8", "auto"
std::optional<Precision> parse_precision(std::string_view s);  // the same names

// Monotonic time in nanoseconds (std::chrono::steady_clock in the callers).
using MonotonicNanos = std::function<std::int64_t()>;

// The int8 step against the fp32 one on a probe: `steps` tokens sampled from the fp32
// model itself (fixed seed, from <eos>), both sessions fed the same tokens. The mean
// KL(fp32 || int8) per token is exactly how much worse int8's NLL is, in expectation, on
// text the fp32 model would write; the tolerance is 1 % of the fp32 NLL of that text.
struct PrecisionProbe {
  int steps = 0;
  double fp32_nll = 0;  // mean NLL (nats/token) of the probe tokens under fp32
  double int8_nll = 0;  // the same under int8
  double mean_kl = 0;   // mean KL(fp32 || int8), nats/token
  double max_abs_logit_diff = 0;
  bool within() const { return mean_kl <= kRelativeTolerance * fp32_nll; }
  static constexpr double kRelativeTolerance = 0.01;
};
PrecisionProbe probe_int8(const AwdLstm& model, int steps = 256, std::uint32_t seed = 1);

struct PrecisionChoice {
  Precision requested = Precision::fp32;
  Precision chosen = Precision::fp32;  // never automatic
  // Filled when `requested` is automatic: p50 of each step at batch 1 on this machine.
  double fp32_p50_us = 0, int8_p50_us = 0;
  PrecisionProbe probe;
  std::string reason;  // one line for the log, with the figures
};

// Resolves `requested`: fp32 or int8 as asked (no measurement), automatic by measuring
// (interleaved blocks of steps of both, about 0.5 s at the seed size) and probing. int8
// wins only when its p50 is at least kAutoMargin below fp32's and the probe is within
// tolerance. `now` is needed for automatic only (std::invalid_argument without it).
inline constexpr double kAutoMargin = 0.05;
PrecisionChoice choose_precision(const AwdLstm& model, Precision requested,
                                 const MonotonicNanos& now = {});

}  // namespace clara::model
