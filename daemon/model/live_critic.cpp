#include "daemon/model/live_critic.hpp"

#include <algorithm>
#include <chrono>
#include <vector>

#include "core/model/classifier/classifier_files.hpp"
#include "core/model/files/model_search.hpp"
#include "daemon/log/logger.hpp"
#include "daemon/service/startup_error.hpp"

namespace fs = std::filesystem;

namespace clara::daemon {

namespace {

std::vector<int> padded(const std::vector<int>& window, std::size_t length, int pad) {
  if (window.size() >= length) return {window.end() - static_cast<std::ptrdiff_t>(length), window.end()};
  std::vector<int> w(length - window.size(), pad);
  w.insert(w.end(), window.begin(), window.end());
  return w;
}

}  // namespace

std::optional<LiveCritic> load_live_critic(const DaemonSettings& settings, const LiveModel& model) {
  if (settings.solo.candidates <= 1) return std::nullopt;
  const std::string& name = settings.solo.critic;
  LiveCritic c;
  try {
    c.dir = model::find_model_folder(name, model_roots());
    c.model = std::make_shared<const model::JudgingModel>(c.dir);
  } catch (const model::ModelFileError& e) {
    throw StartupError(78, "solo.critic '" + name + "': " + e.what());
  } catch (const std::exception& e) {
    throw StartupError(78, "solo.critic '" + name + "': cannot load: " + e.what());
  }
  if (c.model->card().kind != "critic")
    throw StartupError(78, "solo.critic '" + name + "' (" + c.dir.string() + "): not a critic (classifier.toml: kind = '" +
                               c.model->card().kind + "')");
  if (!(c.model->vocab() == model.loaded.vocab))
    throw StartupError(78, "solo.critic '" + name + "' (" + c.dir.string() + ") reads another vocabulary than model '" +
                               model.loaded.card.name + "'");
  c.window = static_cast<std::size_t>(c.model->card().sample_tokens);
  c.pad_id = model.loaded.vocab.id("wait" + std::to_string(model.spec.max_wait()));
  // One window scored, three times (the first warms caches): the slowest of the last two.
  const std::vector<std::vector<int>> probe{std::vector<int>(c.window, c.pad_id)};
  for (int i = 0; i < 3; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    (void)c.model->probabilities(probe);
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    if (i > 0) c.score_ns = std::max(c.score_ns, ns);
  }
  return c;
}

SoloRanking solo_ranking(const LiveCritic& critic, int candidates, const LiveModel& model) {
  SoloRanking r;
  r.candidates = candidates;
  r.window = critic.window;
  r.step_ns = model.timing.p50_us * 1000.0;
  r.score_ns = critic.score_ns;
  r.score = [judge = critic.model, length = critic.window, pad = critic.pad_id](const std::vector<int>& window) {
    return judge->probabilities({padded(window, length, pad)}).at(0).at(0);  // column 0: human
  };
  return r;
}

void log_solo_ranking(const LiveCritic& critic, int candidates, const LiveModel& model, DuetMode mode) {
  log::notice("solo ranking on: each phrase the best of %d by critic %s (%s; %zu-token window, %.1f ms a window, "
              "step %.0f us)%s",
              candidates, critic.model->card().name.c_str(), critic.dir.c_str(), critic.window, critic.score_ns / 1e6,
              model.timing.p50_us, mode == DuetMode::solo ? "" : "; it applies when the mode is solo");
}

}  // namespace clara::daemon
