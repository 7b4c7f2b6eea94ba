#pragma once
// The model clarad plays with, found, verified, loaded and timed before any port
// opens: the daemon's only LibTorch part.
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/files/model_files.hpp"
#include "core/model/inference/device.hpp"
#include "daemon/config/settings.hpp"
#include "daemon/control/control_hub.hpp"
#include "daemon/engine/step_budget.hpp"
#include "daemon/session/session_files.hpp"
#include "daemon/service/startup_error.hpp"

namespace clara::daemon {


struct LiveModel {
  std::filesystem::path dir;
  model::LoadedModel loaded;
  EncodingSpec spec;
  std::string weights_sha256;
  std::unique_ptr<TokenModel> lm;  // on the chosen device
  model::PrecisionChoice precision;  // fp32 or int8, and why
  model::DeviceChoice device;        // cpu or cuda, and why
  BudgetVerdict verdict;
  StepTiming timing;  // the step measured at load (the budget check's, and solo ranking's estimate)
  // Where settings.duet.sampler came from, for the start-up log, e.g.
  // "top-p 0.9 at T 1 (model card: policy top-p, top_p 0.9)" or "... (settings)".
  std::string sampler_source;
};

// Until DaemonSettings records which sampler keys the config file or a flag set, a key counts
// as set when its value differs from the built-in default (SamplerConfig{}); a key set to
// exactly the default value is then taken from the card.
model::SamplerKeysGiven sampler_keys_differing_from_defaults(const SamplerConfig& sampler);

// Where model names are looked up (models/NAME under each): the working directory,
// $CLARA_DATA_DIR, the program's prefix, the installed data folder (core/install/data_dirs.hpp).
std::vector<std::filesystem::path> model_roots();

// What load_live_model does to `settings` once the model is known: chamber instruments where
// none was named, the card's sampling for the sampler keys the user did not set, the
// lookahead in grid steps; then checks the duet settings against the spec (std::exception
// naming the setting). A reload completes its new settings the same way.
void complete_settings(DaemonSettings& settings, const EncodingSpec& spec, const model::ModelCard& card);

// Loads settings.model, checks it suits a duet, completes `settings` from its spec
// (chamber instruments, lookahead) and card (sampler keys the user did not set), sets
// LibTorch's intra-op threads to settings.threads, and checks the step budget at the
// settings' tempo with those threads. Chooses the step's precision and device (auto: measured)
// and logs each choice with its figures, the card's warnings and where the sampler came from.
// StartupError: 66 not found, 65 bad or unsuitable, 64 settings the model refuses,
// 78 --device cuda where there is no CUDA, 69 too slow for this machine.
LiveModel load_live_model(DaemonSettings& settings);

// The session log's source for the loaded model: its name, sums, spec and the chosen precision,
// with the grid's step 0 at `origin_ns`.
SessionSource session_source(const LiveModel& model, std::int64_t origin_ns);
// The start-up line: how long it took, the model, its budget verdict, the mode, tempo and backend.
void log_ready(const LiveModel& model, const DaemonSettings& settings, std::string_view backend, double startup_ms);

// Every model folder under models/ in model_roots() (the first root holding a name wins),
// with its card's key facts; a folder whose card does not read is left out (logged once).
std::vector<ModelInfo> list_models();

}  // namespace clara::daemon
