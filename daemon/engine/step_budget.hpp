#pragma once
// Whether a model is fast enough to play live: its p99 inference step, times
// the tokens a grid step may need, plus the work of a rollback (restoring the
// state where the speculative tail began, re-feeding the wait a human message
// cuts and the human's own token), must fit in one grid step at the tempo.
// Regenerating the thrown-away tail is not counted: the engine stops
// speculating at each commit deadline and goes on in the next cycle.
// Measured on this machine at start-up, so a model trained on a GPU box is
// refused where its step is too slow.
#include <cstdint>
#include <string>

#include "core/generation/token_model.hpp"

namespace clara::daemon {

struct StepTiming {
  double p50_us = 0, p99_us = 0;
  double restore_p99_us = 0;  // restoring a saved state (a rollback)
  int steps = 0;
};

// Tokens a rollback feeds beyond the step's own: the cut wait and the human's token.
inline constexpr double kRollbackTokens = 2.0;

// Feeds `steps` tokens (cycling through the vocabulary's ids from 3) after warm-up and
// times each in the thread's CPU time, in three rounds; returns the round with the lowest p99.
// The model is reset afterwards.
StepTiming measure_step(TokenModel& model, int steps = 400);

struct BudgetVerdict {
  bool fits = false;
  double grid_step_us = 0;
  double needed_us = 0;  // p99 * (tokens_per_step + kRollbackTokens) + restore p99
  std::string message;   // the figures, for the log or the refusal
};

BudgetVerdict check_step_budget(const StepTiming& t, double bpm, int sample_freq, double tokens_per_step);

}  // namespace clara::daemon
