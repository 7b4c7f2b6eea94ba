// clarad: load the model, open the ports, play the duet until SIGINT/SIGTERM,
// then end every sounding note before the ports close and write the session.
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/model/inference/lstm_token_model.hpp"
#include "core/model/files/model_files.hpp"
#include "core/model/files/model_search.hpp"
#include "core/duet/session_log.hpp"
#include "core/hash/sha256.hpp"
#include "daemon/config/command_line.hpp"
#include "daemon/engine/duet_thread.hpp"
#include "daemon/session/session_recorder.hpp"
#include "daemon/engine/step_budget.hpp"

namespace fs = std::filesystem;
using namespace clara;
using namespace clara::daemon;

namespace {

// sysexits.h codes, as the `clara` tool uses them.
constexpr int kUsage = 64, kDataErr = 65, kNoInput = 66, kUnavailable = 69, kSoftware = 70;

long peak_rss_kb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

std::vector<fs::path> model_roots() {
  std::vector<fs::path> roots{fs::current_path()};
  if (const char* d = std::getenv("CLARA_DATA_DIR"); d && *d) roots.emplace_back(d);
  roots.emplace_back(CLARA_SOURCE_DIR);
  return roots;
}

// Chamber models: unless told otherwise the human plays the solo instrument
// (the table's first entry) and Clara the piano.
void default_instruments(DaemonSettings& s, const EncodingSpec& spec) {
  if (spec.parts.entries.size() < 2) return;
  if (!s.human_instrument_given) s.duet.human_prefix = spec.parts.entries.front().prefix;
  if (!s.clara_instrument_given) s.duet.clara_prefix = spec.parts.entries.back().prefix;
}

void write_stats(const fs::path& file, double startup_ms, const std::vector<std::int64_t>& reactions,
                 const OutputStats& o, const DuetStats& d, const fs::path& session) {
  std::ofstream f(file);
  std::vector<std::int64_t> r = reactions;
  std::sort(r.begin(), r.end());
  auto ms = [](std::int64_t ns) { return static_cast<double>(ns) / 1e6; };
  f << "{\"startup_ms\": " << startup_ms << ", \"peak_rss_kb\": " << peak_rss_kb() << ", \"reactions_ms\": [";
  for (std::size_t i = 0; i < reactions.size(); ++i) f << (i ? ", " : "") << ms(reactions[i]);
  f << "], \"reaction_max_ms\": " << (r.empty() ? -1.0 : ms(r.back())) << ", \"output_messages\": " << o.messages
    << ", \"late\": " << o.late << ", \"max_late_us\": " << static_cast<double>(o.max_late_ns) / 1e3
    << ", \"onset_error_p99_us\": " << static_cast<double>(o.onset_error_p99_ns) / 1e3
    << ", \"onset_error_max_us\": " << static_cast<double>(o.onset_error_max_ns) / 1e3 << ", \"dropped\": " << o.dropped
    << ", \"input_messages\": " << o.input_messages << ", \"tokens_committed\": " << d.tokens_committed
    << ", \"tokens_generated\": " << d.tokens_generated << ", \"rollbacks\": " << d.rollbacks
    << ", \"answers\": " << d.answers << ", \"session\": \"" << session.string() << "\"}\n";
}

}  // namespace

static int run_daemon(int argc, char** argv) {
  const auto t_start = std::chrono::steady_clock::now();
  // Every thread inherits this mask, so only sigtimedwait below sees the signals.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  DaemonSettings settings;
  std::vector<std::string> args(argv + 1, argv + argc);
  CommandLine cl;
  try {
    cl = parse_command_line(args, settings);
  } catch (const SettingsError& e) {
    std::fprintf(stderr, "clarad: %s\n", e.what());
    return kUsage;
  }
  if (cl.help) {
    std::fputs(usage_text(), stdout);
    return 0;
  }
  if (cl.version) {
    std::puts("clarad 0.1.0");
    return 0;
  }

  // The model: verified before LibTorch reads it, then timed on this machine.
  model::LoadedModel loaded;
  EncodingSpec spec;
  fs::path model_dir;
  try {
    model_dir = model::find_model_folder(settings.model, model_roots());
    loaded = model::load_model_folder(model_dir);
    spec = model::encoding_spec_of(loaded.card);
  } catch (const model::ModelFileError& e) {
    std::fprintf(stderr, "clarad: %s\n", e.what());
    return fs::is_directory(model_dir) ? kDataErr : kNoInput;
  }
  if (spec.encoding == Encoding::chordwise) {
    std::fprintf(stderr, "clarad: model '%s' is chordwise; the duet needs a notewise or chamber model\n",
                 loaded.card.name.c_str());
    return kDataErr;
  }
  default_instruments(settings, spec);
  settings.duet.lookahead_steps = std::max(1, static_cast<int>(std::lround(settings.lookahead_beats * spec.sample_freq)));
  try {
    settings.duet.validate(spec);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "clarad: %s\n", e.what());
    return kUsage;
  }
  model::LstmTokenModel lm(*loaded.model);
  const StepTiming timing = measure_step(lm);
  const BudgetVerdict verdict =
      check_step_budget(timing, settings.duet.bpm, spec.sample_freq, settings.tokens_per_step_budget);
  if (!verdict.fits) {
    std::fprintf(stderr, "clarad: model '%s' is too slow for live play on this machine: %s\n",
                 loaded.card.name.c_str(), verdict.message.c_str());
    return kUnavailable;
  }
  const std::string model_sha = sha256_file(model_dir / "weights.pt");

  std::unique_ptr<MidiBackend> backend;
  try {
    backend = settings.backend == "jack" ? make_jack_backend(settings.midi) : make_alsa_backend(settings.midi);
    backend->start();
  } catch (const BackendError& e) {
    std::fprintf(stderr, "clarad: %s\n", e.what());
    return kUnavailable;
  }

  std::vector<InstrumentRoute> routes = effective_routes(settings);
  InstrumentRoute route = routes.front();
  for (const auto& r : routes)
    if (r.instrument == settings.duet.clara_prefix) route = r;
  if (route.program >= 0)
    backend->push_output(TimedMessage{backend->now_ns(),
                                      ShortMessage{static_cast<std::uint8_t>(0xC0 | route.channel),
                                                   static_cast<std::uint8_t>(route.program), 0},
                                      static_cast<std::uint8_t>(route.output)});

  DuetEngine engine(lm, loaded.vocab, spec, settings.duet);
  // Step 0 one period ahead, so the first committed step is never already late.
  const std::int64_t origin = backend->now_ns() + backend->period_ns();
  engine.start(origin);
  std::unique_ptr<SessionRecorder> recorder;
  if (settings.record_sessions) recorder = std::make_unique<SessionRecorder>(origin, settings.duet.bpm);
  DuetThread duet(*backend, engine, recorder.get(), route);
  duet.start();

  const double startup_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t_start).count();
  std::fprintf(stderr, "clarad: ready in %.0f ms: model %s (%s), %s, mode %s, %.0f bpm, backend %s\n", startup_ms,
               loaded.card.name.c_str(), model_dir.c_str(), verdict.message.c_str(),
               std::string(to_string(settings.duet.mode)).c_str(), settings.duet.bpm, std::string(backend->kind()).c_str());
  std::fflush(stderr);

  int exit_code = 0;
  for (;;) {
    timespec timeout{0, 100'000'000};
    const int sig = sigtimedwait(&stop_signals, nullptr, &timeout);
    if (sig == SIGINT || sig == SIGTERM) break;
    if (!backend->connected()) {
      std::fprintf(stderr, "clarad: the MIDI server went away; stopping\n");
      exit_code = kUnavailable;
      break;
    }
  }

  const auto t_stop = std::chrono::steady_clock::now();
  const std::int64_t end_ns = backend->now_ns();
  duet.stop();       // Clara's note-offs into the queue
  const auto t_duet = std::chrono::steady_clock::now();
  backend->stop();   // then the panic, written before the ports close
  auto ms_since = [](auto t) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
  };
  std::fprintf(stderr, "clarad: stopped in %.0f ms (duet %.0f ms), every note ended, ports closed\n", ms_since(t_stop),
               std::chrono::duration<double, std::milli>(t_duet - t_stop).count());

  fs::path session;
  if (recorder) {
    try {
      session = make_session_folder(settings.effective_sessions_dir());
      recorder->write_midi(session / "session.mid", end_ns);
      SessionLog log;
      log.model_name = loaded.card.name;
      log.model_sha256 = model_sha;
      log.spec = spec;
      log.config = engine.config();
      log.origin_ns = origin;
      log.inputs = engine.log();
      log.end_step = engine.frontier();
      log.committed_tokens = engine.committed_tokens().size();
      write_session_log(session / "replay.log", log);
      std::ofstream tokens(session / "tokens.txt");
      for (std::size_t i = 0; i < engine.committed_tokens().size(); ++i)
        tokens << (i ? " " : "") << loaded.vocab.token(engine.committed_tokens()[i]);
      tokens << "\n";
      std::fprintf(stderr, "clarad: session written to %s\n", session.c_str());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "clarad: could not write the session: %s\n", e.what());
      exit_code = exit_code ? exit_code : kSoftware;
    }
  }
  if (!settings.stats_file.empty())
    write_stats(settings.stats_file, startup_ms, duet.reactions_ns(), backend->stats(), engine.stats(), session);
  if (auto f = duet.failure()) exit_code = exit_code ? exit_code : kSoftware;
  return exit_code;
}

int main(int argc, char** argv) {
  const int code = run_daemon(argc, argv);
  // By now the ports are closed and every file is written. What exit() would still run is LibTorch's
  // static teardown, which deregisters each operator kernel one by one: 0.3-0.6 s on a busy machine,
  // enough to break the promise that SIGTERM ends clarad within 500 ms.
  std::fflush(nullptr);
  std::_Exit(code);
}
