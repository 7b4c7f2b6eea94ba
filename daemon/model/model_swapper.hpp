#pragma once
// The hot model swap (/clara/model NAME, `clara ctl model NAME`): a worker thread finds the
// name among the model folders, loads and validates the model (sha256 sums, shapes,
// vocabulary, finite weights, a duet encoding, the one playing, the real-time step budget at
// the current tempo), warms it on the duet's context while the old model plays, and hands it
// to the inference thread, which switches at the next bar line (DuetEngine::swap_model).
// The request is answered at once (accepted or refused for a reason known then); the outcome
// comes as the `model_swap` and `model` status keys, pushed to subscribers, with a pushed
// /clara/error /clara/model <why> when the swap is refused after its /clara/ok.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/encoding/encoding_spec.hpp"
#include "core/generation/token_model.hpp"
#include "core/model/inference/device.hpp"
#include "core/model/inference/precision.hpp"
#include "daemon/control/control_hub.hpp"
#include "daemon/engine/command_sink.hpp"

namespace clara::daemon {

// Why a model cannot be swapped in; the message names the model (and the file, when one is at fault).
class SwapRefused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A model loaded and checked for the duet playing `playing` (spec), ready to warm.
struct SwapCandidate {
  std::string name, sha256;  // folder name, weights.pt's sha256
  std::filesystem::path dir;
  std::shared_ptr<TokenModel> model;  // owns the loaded network too
  std::string budget;                 // the step-budget verdict, for the log
};

// True for 1-64 letters, digits, '-' or '_': a model name, never a path.
bool valid_model_name(const std::string& name);

// models/NAME under the first of `roots` holding it with a model.toml; nullopt otherwise.
std::optional<std::filesystem::path> find_swap_model(const std::string& name,
                                                     const std::vector<std::filesystem::path>& roots);

// Loads and validates NAME for a duet on `playing` (whose encoding is named `playing_encoding`,
// the model playing `playing_name`) at `bpm` with `tokens_per_step` in the step budget.
// SwapRefused naming the reason: not a name, not found, a file's sha256 or the weights'
// shapes or values, chordwise, another encoding, too slow at this tempo. The step runs at
// `precision` (fp32 or int8): the session's, so that one session log names one arithmetic; on
// `device` (cpu or cuda, never automatic): the session's too.
SwapCandidate prepare_swap_model(const std::string& name, const std::vector<std::filesystem::path>& roots,
                                 const EncodingSpec& playing, const std::string& playing_name, double bpm,
                                 double tokens_per_step, model::Precision precision = model::Precision::fp32,
                                 model::Device device = model::Device::cpu);

class ModelSwapper {
 public:
  // `precision` and `device`: what the session's first model runs at and on (never automatic).
  ModelSwapper(CommandSink& duet, std::string playing, EncodingSpec spec, double tokens_per_step,
               std::vector<std::filesystem::path> roots, model::Precision precision = model::Precision::fp32,
               model::Device device = model::Device::cpu);
  ~ModelSwapper();
  ModelSwapper(const ModelSwapper&) = delete;
  ModelSwapper& operator=(const ModelSwapper&) = delete;

  // Where outcomes are reported, and the current tempo and metre read; before any request.
  void attach(ControlHub& hub) { hub_ = &hub; }
  // list_models, select_model (request) and model_metrics.
  ControlHooks hooks();
  // nullopt: accepted (the worker goes on) or NAME already plays; else why not, at once.
  std::optional<std::string> request(const std::string& name);
  // Waits for the worker (a swap waiting for its bar line is cancelled). Idempotent.
  void stop();

  std::uint64_t swaps() const { return swaps_.load(); }
  std::uint64_t refused() const { return refused_.load(); }
  bool busy() const { return busy_.load(); }

 private:
  void work(std::string name);
  void refuse(const std::string& name, const std::string& why);
  // The committed context through the inference thread; false when it took no command in time.
  bool capture(std::vector<int>& tokens, std::size_t& begin);

  CommandSink& duet_;
  EncodingSpec spec_;
  double tokens_per_step_;
  std::vector<std::filesystem::path> roots_;
  model::Precision precision_;
  model::Device device_;
  ControlHub* hub_ = nullptr;
  std::mutex mutex_;  // guards playing_ and worker_
  std::string playing_;
  std::thread worker_;
  std::atomic<bool> busy_{false}, stopping_{false};
  std::atomic<std::uint64_t> swaps_{0}, refused_{0};
  std::atomic<double> last_swap_ms_{-1};
};

}  // namespace clara::daemon
