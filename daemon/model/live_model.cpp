#include "daemon/model/live_model.hpp"

#include <ATen/Parallel.h>

#include <chrono>
#include <cmath>
#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "core/hash/sha256.hpp"
#include "core/install/data_dirs.hpp"
#include "core/model/files/model_search.hpp"
#include "daemon/config/chamber_defaults.hpp"
#include "daemon/log/logger.hpp"

namespace fs = std::filesystem;

namespace clara::daemon {

std::vector<fs::path> model_roots() { return process_data_dirs(); }

model::SamplerKeysGiven sampler_keys_differing_from_defaults(const SamplerConfig& s) {
  const SamplerConfig d;
  return {s.policy != d.policy, s.temperature != d.temperature, s.top_k != d.top_k, s.top_p != d.top_p,
          s.random_freq != d.random_freq, s.key_keeping != kDefaultKeyKeeping};
}

void complete_settings(DaemonSettings& settings, const EncodingSpec& spec, const model::ModelCard& card) {
  apply_chamber_defaults(settings, spec);
  model::apply_card_sampling(card.sampling, sampler_keys_differing_from_defaults(settings.duet.sampler),
                             settings.duet.sampler);
  settings.duet.lookahead_steps =
      std::max(1, static_cast<int>(std::lround(settings.lookahead_beats * spec.sample_freq)));
  settings.duet.validate(spec);
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
  const model::CardSampling& card_sampling = m.loaded.card.sampling;
  try {
    complete_settings(settings, m.spec, m.loaded.card);
  } catch (const std::exception& e) {
    throw StartupError(64, e.what());
  }
  {
    const SamplerConfig& sc = settings.duet.sampler;
    std::ostringstream os;
    os << model::card_policy_name(sc.policy) << " (temperature " << sc.temperature << ", top_k " << sc.top_k
       << ", top_p " << sc.top_p << ", random_freq " << sc.random_freq << ", key_keeping " << sc.key_keeping << "; "
       << (card_sampling.empty() ? "settings" : "model card: " + card_sampling.describe() + ", unless set") << ")";
    m.sampler_source = os.str();
  }
  // The model runs on the inference thread; LibTorch's intra-op pool is process-wide, and is
  // set before the step is timed so the budget check measures what the duet will get.
  at::set_num_threads(settings.threads);
  // --precision auto times both CPU steps here, on this machine, before the budget check;
  // --device auto then times the CUDA step where there is one.
  const auto precision = model::parse_precision(settings.precision).value_or(model::Precision::automatic);
  const auto device = model::parse_device(settings.device).value_or(model::Device::automatic);
  model::StepModel step;
  try {
    step = model::make_step_model(*m.loaded.model, device, precision, [] {
      return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
    });
  } catch (const model::DeviceUnavailable& e) {
    throw StartupError(78, std::string("--device cuda: ") + e.what() + "; use --device cpu or auto");
  }
  m.lm = std::move(step.lm);
  m.precision = step.precision;
  m.device = step.device;
  log::info("precision %s (asked: %s): %s", model::precision_name(m.precision.chosen), settings.precision.c_str(),
            m.precision.reason.c_str());
  log::info("device %s (asked: %s): %s", model::device_name(m.device.chosen), settings.device.c_str(),
            m.device.reason.c_str());
  if (m.device.chosen == model::Device::cuda)
    log::notice("device cuda: the session log records the arithmetic (fp32), not the device; clara replay "
                "regenerates on the cpu step, whose logits differ from cuda's in the last bits, so a replay may "
                "differ where a draw was close");
  const StepTiming timing = measure_step(*m.lm);
  m.timing = timing;
  m.verdict = check_step_budget(timing, settings.duet.bpm, m.spec.sample_freq, settings.tokens_per_step_budget);
  if (!m.verdict.fits)
    throw StartupError(69, "model '" + m.loaded.card.name + "' is too slow for live play on this machine: " +
                               m.verdict.message);
  m.weights_sha256 = sha256_file(m.dir / "weights.pt");
  for (const auto& w : m.loaded.card.warnings) log::warning("%s", w.c_str());
  log::info("sampling: %s", m.sampler_source.c_str());
  return m;
}

SessionSource session_source(const LiveModel& model, std::int64_t origin_ns) {
  return SessionSource{model.loaded.card.name, model.weights_sha256, model.spec, origin_ns, 0,
                       model::precision_name(model.precision.chosen)};
}

void log_ready(const LiveModel& model, const DaemonSettings& settings, std::string_view backend, double startup_ms) {
  log::notice("ready in %.0f ms: model %s (%s), %s, mode %s, %.0f bpm, backend %s", startup_ms,
              model.loaded.card.name.c_str(), model.dir.c_str(), model.verdict.message.c_str(),
              std::string(to_string(settings.duet.mode)).c_str(), settings.duet.bpm, std::string(backend).c_str());
}

}  // namespace clara::daemon

namespace clara::daemon {

std::vector<ModelInfo> list_models() {
  std::vector<ModelInfo> out;
  for (const auto& root : model_roots()) {
    std::error_code ec;
    const auto dir = root / "models";
    if (!std::filesystem::is_directory(dir, ec)) continue;
    std::vector<std::filesystem::path> folders;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
      if (entry.is_directory(ec) && std::filesystem::exists(entry.path() / "model.toml", ec))
        folders.push_back(entry.path());
    std::sort(folders.begin(), folders.end());
    for (const auto& folder : folders) {
      const std::string name = folder.filename().string();
      if (std::any_of(out.begin(), out.end(), [&](const ModelInfo& m) { return m.name == name; })) continue;
      try {
        const auto card = model::ModelCard::load(folder / "model.toml");
        std::string instruments;
        for (const auto& i : card.instruments) instruments += (instruments.empty() ? "" : " ") + i;
        out.push_back({name, card.encoding, instruments, std::isfinite(card.valid_loss) ? card.valid_loss : -1.0});
      } catch (const std::exception& e) {
        log::warning("models: %s left out of the list: %s", folder.string().c_str(), e.what());
      }
    }
  }
  return out;
}

}  // namespace clara::daemon


