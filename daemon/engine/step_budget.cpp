#include "daemon/engine/step_budget.hpp"

#include <algorithm>
#include <ctime>
#include <cstdio>
#include <vector>

namespace clara::daemon {

namespace {

// The thread's own CPU time: what the model costs, without the time another
// process held the core (a loaded machine would otherwise refuse a fast model).
double thread_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

}  // namespace

StepTiming measure_step(TokenModel& model, int steps) {
  const int vocab = static_cast<int>(model.vocab_size());
  model.reset();
  for (int i = 0; i < 50; ++i) model.feed(3 + i % std::max(1, vocab - 3));  // warm caches
  // Three rounds, the best kept: a round that another process preempted says
  // nothing about the model, and the live thread has the lookahead to absorb one.
  StepTiming best;
  for (int round = 0; round < 3; ++round) {
    std::vector<double> us;
    us.reserve(static_cast<std::size_t>(steps));
    for (int i = 0; i < steps; ++i) {
      const double t0 = thread_cpu_us();
      model.feed(3 + (i * 7) % std::max(1, vocab - 3));
      us.push_back(thread_cpu_us() - t0);
    }
    std::sort(us.begin(), us.end());
    StepTiming t;
    t.steps = steps;
    t.p50_us = us[us.size() / 2];
    t.p99_us = us[std::min(us.size() - 1, us.size() * 99 / 100)];
    if (round == 0 || t.p99_us < best.p99_us) best = t;
  }
  const auto saved = model.save();
  std::vector<double> restore_us;
  for (int i = 0; i < 100; ++i) {
    const double t0 = thread_cpu_us();
    model.restore(*saved);
    restore_us.push_back(thread_cpu_us() - t0);
  }
  std::sort(restore_us.begin(), restore_us.end());
  best.restore_p99_us = restore_us[99];
  model.reset();
  return best;
}

BudgetVerdict check_step_budget(const StepTiming& t, double bpm, int sample_freq, double tokens_per_step) {
  BudgetVerdict v;
  v.grid_step_us = 60e6 / (bpm * sample_freq);
  v.needed_us = t.p99_us * (tokens_per_step + kRollbackTokens) + t.restore_p99_us;
  v.fits = v.needed_us <= v.grid_step_us;
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "p99 step %.0f us CPU (p50 %.0f) x (%.0f tokens per grid step + %.0f of a rollback) + %.0f us restore "
                "= %.0f us %s the %.0f us grid step at %.0f bpm",
                t.p99_us, t.p50_us, tokens_per_step, kRollbackTokens, t.restore_p99_us, v.needed_us,
                v.fits ? "fits" : "does not fit", v.grid_step_us, bpm);
  v.message = buf;
  return v;
}

}  // namespace clara::daemon
