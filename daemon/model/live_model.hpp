#pragma once
// The model clarad plays with, found, verified, loaded and timed before any port
// opens: the daemon's only LibTorch part.
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/model/files/model_files.hpp"
#include "core/model/inference/lstm_token_model.hpp"
#include "daemon/config/settings.hpp"
#include "daemon/engine/step_budget.hpp"

namespace clara::daemon {

// A start-up failure with the sysexits.h code clarad exits with.
struct StartupError : std::runtime_error {
  StartupError(int code, const std::string& what) : std::runtime_error(what), exit_code(code) {}
  int exit_code;
};

struct LiveModel {
  std::filesystem::path dir;
  model::LoadedModel loaded;
  EncodingSpec spec;
  std::string weights_sha256;
  std::unique_ptr<model::LstmTokenModel> lm;
  BudgetVerdict verdict;
};

// Where model names are looked up: the working directory, $CLARA_DATA_DIR, the source tree.
std::vector<std::filesystem::path> model_roots();

// Loads settings.model, checks it suits a duet, completes `settings` from its spec
// (chamber instruments, lookahead) and checks the step budget at the settings' tempo.
// StartupError: 66 not found, 65 bad or unsuitable, 64 settings the model refuses,
// 69 too slow for this machine.
LiveModel load_live_model(DaemonSettings& settings);

}  // namespace clara::daemon
