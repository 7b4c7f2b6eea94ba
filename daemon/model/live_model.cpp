#include "daemon/model/live_model.hpp"

#include <cmath>
#include <cstdlib>

#include "core/hash/sha256.hpp"
#include "core/model/files/model_search.hpp"
#include "daemon/config/chamber_defaults.hpp"

namespace fs = std::filesystem;

namespace clara::daemon {

std::vector<fs::path> model_roots() {
  std::vector<fs::path> roots{fs::current_path()};
  if (const char* d = std::getenv("CLARA_DATA_DIR"); d && *d) roots.emplace_back(d);
  roots.emplace_back(CLARA_SOURCE_DIR);
  return roots;
}

LiveModel load_live_model(DaemonSettings& settings) {
  LiveModel m;
  try {
    m.dir = model::find_model_folder(settings.model, model_roots());
    m.loaded = model::load_model_folder(m.dir);
    m.spec = model::encoding_spec_of(m.loaded.card);
  } catch (const model::ModelFileError& e) {
    throw StartupError(fs::is_directory(m.dir) ? 65 : 66, e.what());
  }
  if (m.spec.encoding == Encoding::chordwise)
    throw StartupError(65, "model '" + m.loaded.card.name + "' is chordwise; the duet needs a notewise or chamber model");
  apply_chamber_defaults(settings, m.spec);
  settings.duet.lookahead_steps =
      std::max(1, static_cast<int>(std::lround(settings.lookahead_beats * m.spec.sample_freq)));
  try {
    settings.duet.validate(m.spec);
  } catch (const std::exception& e) {
    throw StartupError(64, e.what());
  }
  m.lm = std::make_unique<model::LstmTokenModel>(*m.loaded.model);
  const StepTiming timing = measure_step(*m.lm);
  m.verdict = check_step_budget(timing, settings.duet.bpm, m.spec.sample_freq, settings.tokens_per_step_budget);
  if (!m.verdict.fits)
    throw StartupError(69, "model '" + m.loaded.card.name + "' is too slow for live play on this machine: " +
                               m.verdict.message);
  m.weights_sha256 = sha256_file(m.dir / "weights.pt");
  return m;
}

}  // namespace clara::daemon
