#pragma once
// The critic that ranks solo phrases (issue 14; core/duet/duet_engine.hpp, SoloRanking): found,
// verified (its SHA256SUMS) and timed before any port opens, when [solo] candidates > 1.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/duet/duet_engine.hpp"
#include "daemon/config/settings.hpp"
#include "daemon/model/live_model.hpp"

namespace clara::model {
class JudgingModel;
}

namespace clara::daemon {

struct LiveCritic {
  std::filesystem::path dir;
  std::shared_ptr<const model::JudgingModel> model;
  std::size_t window = 0;  // the tokens it reads
  int pad_id = 0;          // the longest wait: what a window shorter than that starts with
  double score_ns = 0;     // one window scored, measured at load
};

// nullopt when settings.solo.candidates is 1. StartupError 78 when the critic is not found,
// fails its checks (SHA256SUMS, shapes), is not a critic, or reads another vocabulary than
// the model.
std::optional<LiveCritic> load_live_critic(const DaemonSettings& settings, const LiveModel& model);

// The engine's ranking: `candidates` phrases judged by the critic (a window shorter than it
// reads is padded at its start with the longest wait, silence before the piece).
SoloRanking solo_ranking(const LiveCritic& critic, int candidates, const LiveModel& model);

// The start-up line: ranking on, with N and the critic.
void log_solo_ranking(const LiveCritic& critic, int candidates, const LiveModel& model, DuetMode mode);

}  // namespace clara::daemon
