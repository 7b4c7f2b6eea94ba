#include "daemon/model/model_swapper.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/hash/sha256.hpp"
#include "core/model/files/model_files.hpp"
#include "core/model/files/model_search.hpp"
#include "core/model/inference/device.hpp"
#include "daemon/engine/step_budget.hpp"
#include "daemon/log/logger.hpp"
#include "daemon/model/live_model.hpp"

namespace fs = std::filesystem;

namespace clara::daemon {

namespace {

using Clock = std::chrono::steady_clock;

// The loaded network and the token model that reads it, kept alive together.
struct HeldModel {
  model::LoadedModel loaded;
  std::unique_ptr<TokenModel> lm;
};

// Warming stops topping up once the inference thread has at most this many tokens left to feed.
constexpr std::size_t kWarmSlack = 16;

// The model folders' names under models/ in `roots`, each once, sorted per root.
std::vector<std::string> model_names(const std::vector<fs::path>& roots) {
  std::vector<std::string> names;
  for (const auto& root : roots) {
    std::error_code ec;
    std::vector<std::string> here;
    for (const auto& e : fs::directory_iterator(root / "models", ec))
      if (e.is_directory(ec) && fs::is_regular_file(e.path() / "model.toml", ec)) here.push_back(e.path().filename().string());
    std::sort(here.begin(), here.end());
    for (auto& n : here)
      if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(std::move(n));
  }
  return names;
}

}  // namespace

bool valid_model_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

std::optional<fs::path> find_swap_model(const std::string& name, const std::vector<fs::path>& roots) {
  if (!valid_model_name(name)) return std::nullopt;
  for (const auto& root : roots) {
    std::error_code ec;
    const fs::path dir = root / "models" / name;
    if (fs::is_directory(dir, ec) && fs::is_regular_file(dir / "model.toml", ec)) return dir;
  }
  return std::nullopt;
}

SwapCandidate prepare_swap_model(const std::string& name, const std::vector<fs::path>& roots,
                                 const EncodingSpec& playing, const std::string& playing_name, double bpm,
                                 double tokens_per_step, model::Precision precision, model::Device device) {
  if (!valid_model_name(name))
    throw SwapRefused("model name '" + name.substr(0, 80) +
                      "' is not a name (1-64 letters, digits, '-' or '_'; never a path)");
  const auto dir = find_swap_model(name, roots);
  if (!dir) throw SwapRefused("no model '" + name + "' in the models folders");
  auto held = std::make_shared<HeldModel>();
  EncodingSpec spec;
  try {
    held->loaded = model::load_model_folder(*dir);  // sha256 sums, card, vocabulary, shapes, finite weights
    spec = model::encoding_spec_of(held->loaded.card);
  } catch (const std::exception& e) {
    throw SwapRefused("model '" + name + "': " + e.what());
  }
  const std::string encoding(to_string(spec.encoding));
  const std::string playing_encoding(to_string(playing.encoding));
  if (spec.encoding == Encoding::chordwise)
    throw SwapRefused("model '" + name + "' is chordwise; the duet needs a notewise or chamber model");
  if (!(spec == playing))
    throw SwapRefused("model '" + name + "' writes " + encoding + " tokens (" + std::to_string(spec.sample_freq) +
                      " steps a quarter, parts " + spec.parts.name + ") and " + playing_name + " plays " +
                      playing_encoding + " (" + std::to_string(playing.sample_freq) + " steps a quarter, parts " +
                      playing.parts.name + "): the context cannot be re-encoded live; restart clarad with --model " +
                      name);
  try {
    held->lm = model::make_step_model(*held->loaded.model, device, precision).lm;
  } catch (const std::exception& e) {
    throw SwapRefused("model '" + name + "': " + e.what());
  }
  if (held->lm->vocab_size() != static_cast<std::size_t>(held->loaded.vocab.size()))
    throw SwapRefused("model '" + name + "': the network has " + std::to_string(held->lm->vocab_size()) +
                      " outputs, its vocabulary " + std::to_string(held->loaded.vocab.size()) + " tokens");
  const BudgetVerdict verdict = check_step_budget(measure_step(*held->lm), bpm, spec.sample_freq, tokens_per_step);
  if (!verdict.fits)
    throw SwapRefused("model '" + name + "' is too slow for live play at " + std::to_string(std::lround(bpm)) +
                      " bpm on this machine: " + verdict.message);
  SwapCandidate c;
  c.name = name;
  c.dir = *dir;
  c.sha256 = sha256_file(*dir / "weights.pt");
  c.budget = verdict.message;
  c.model = std::shared_ptr<TokenModel>(held, held->lm.get());
  return c;
}

ModelSwapper::ModelSwapper(CommandSink& duet, std::string playing, EncodingSpec spec, double tokens_per_step,
                           std::vector<fs::path> roots, model::Precision precision, model::Device device)
    : duet_(duet), spec_(std::move(spec)), tokens_per_step_(tokens_per_step), roots_(std::move(roots)),
      precision_(precision), device_(device), playing_(std::move(playing)) {}

ModelSwapper::~ModelSwapper() { stop(); }

void ModelSwapper::stop() {
  stopping_ = true;
  std::thread t;
  {
    std::lock_guard lock(mutex_);
    t = std::move(worker_);
  }
  if (t.joinable()) t.join();
}

ControlHooks ModelSwapper::hooks() {
  ControlHooks h;
  h.models = list_models;
  h.select_model = [this](const std::string& name, std::int64_t) { return request(name); };
  h.model_metrics = [this]() -> KeyValues {
    return {{"model_swaps", static_cast<std::int64_t>(swaps())},
            {"model_swaps_refused", static_cast<std::int64_t>(refused())},
            {"model_swap_last_ms", static_cast<float>(last_swap_ms_.load())}};
  };
  return h;
}

std::optional<std::string> ModelSwapper::request(const std::string& name) {
  if (!valid_model_name(name))
    return "model name '" + name.substr(0, 80) + "' is not a name (1-64 letters, digits, '-' or '_'; never a path)";
  std::lock_guard lock(mutex_);
  if (stopping_) return std::string("clarad is stopping");
  if (name == playing_) return std::nullopt;  // already playing: nothing to do
  if (!find_swap_model(name, roots_)) {
    std::string known;
    for (const auto& n : model_names(roots_)) known += (known.empty() ? "" : ", ") + n;
    ++refused_;
    return "no model '" + name + "' in the models folders (" + known + ")";
  }
  if (busy_.exchange(true)) return std::string("another model swap is under way; send this one after it");
  if (worker_.joinable()) worker_.join();  // the last one has finished: busy_ was false
  if (hub_) hub_->report([&](ControlState& s) { s.model_swap = "loading " + name; });
  worker_ = std::thread([this, name] { work(name); });
  return std::nullopt;
}

void ModelSwapper::refuse(const std::string& name, const std::string& why) {
  ++refused_;
  log::warning("model swap to %s refused: %s", name.c_str(), why.c_str());
  if (hub_) hub_->report([&](ControlState& s) { s.model_swap = "refused " + name + ": " + why; });
}

bool ModelSwapper::capture(std::vector<int>& tokens, std::size_t& begin) {
  auto copy = std::make_shared<ContextCopy>();
  if (duet_.submit(CaptureContext{copy}, 0, false)) return false;
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  while (Clock::now() < deadline && !stopping_) {
    {
      std::lock_guard lock(copy->mutex);
      if (copy->done) {
        tokens = std::move(copy->tokens);
        begin = copy->begin;
        return true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

void ModelSwapper::work(std::string name) {
  struct Done {
    std::atomic<bool>& busy;
    ~Done() { busy = false; }
  } done{busy_};
  const auto t0 = Clock::now();
  std::string playing;
  {
    std::lock_guard lock(mutex_);
    playing = playing_;
  }
  ControlState state = hub_ ? hub_->state() : ControlState{};
  SwapCandidate c;
  try {
    c = prepare_swap_model(name, roots_, spec_, playing, state.bpm, tokens_per_step_, precision_, device_);
  } catch (const SwapRefused& e) {
    return refuse(name, e.what());
  } catch (const std::exception& e) {
    return refuse(name, "model '" + name + "': " + e.what());
  }
  // Warm it on the committed context while the old model plays, topping up until the inference
  // thread has little left to feed at the bar line. The last committed token is left to it (a
  // human may still cut that wait).
  std::size_t begin = 0, fed_until = 0;
  bool warmed = false;
  try {
    for (int round = 0; round < 4 && !stopping_; ++round) {
      std::vector<int> tokens;
      std::size_t b = 0;
      if (!capture(tokens, b)) return refuse(name, "the duet took no command within 2 s (stopped or failed)");
      if (!warmed || b != begin) {
        c.model->reset();
        begin = fed_until = b;
        warmed = true;
      }
      const std::size_t until = b + (tokens.empty() ? 0 : tokens.size() - 1);
      for (; fed_until < until; ++fed_until) c.model->feed(tokens[fed_until - b]);
      if (b + tokens.size() - fed_until <= kWarmSlack) break;
    }
  } catch (const std::exception& e) {
    return refuse(name, "model '" + name + "' failed while warming on the context: " + e.what());
  }
  if (stopping_) return;
  auto ticket = std::make_shared<SwapTicket>();
  if (auto why = duet_.submit(SwapModel{c.model, c.name, c.sha256, begin, fed_until, ticket}, 0, true))
    return refuse(name, *why);
  if (hub_) hub_->report([&](ControlState& s) { s.model_swap = "waiting " + name; });
  // The bar line comes within a bar; a duet that never reaches one (stopped, failed) cancels it.
  const double bar_s = 60.0 * std::max(1, state.phrasing.beats_per_bar) / std::max(1.0, state.bpm);
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(2 * bar_s + 5));
  for (;;) {
    {
      std::lock_guard lock(ticket->mutex);
      if (ticket->applied) break;
      if (ticket->failed) return refuse(name, "model '" + name + "': " + *ticket->failed);
      if (stopping_ || Clock::now() > deadline) {
        ticket->cancelled = true;
        if (stopping_) return;
        return refuse(name, "the duet reached no bar line in time (stopped or failed)");
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  {
    std::lock_guard lock(ticket->mutex);
    ticket->retired.reset();  // the old model is freed here, not on the inference thread
  }
  {
    std::lock_guard lock(mutex_);
    playing_ = name;
  }
  ++swaps_;
  last_swap_ms_ = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  log::notice("model swap: %s plays (sha256 %s; %s)", name.c_str(), c.sha256.c_str(), c.budget.c_str());
  if (hub_)
    hub_->report([&](ControlState& s) {
      s.model = name;
      s.model_swap = "playing " + name;
    });
}

}  // namespace clara::daemon
