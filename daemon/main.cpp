// clarad: composes the daemon. Everything that can fail is built before a port
// opens; then it plays until a stop signal, ends every note, closes the ports
// and writes the session.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "daemon/config/command_line.hpp"
#include "daemon/engine/duet_thread.hpp"
#include "daemon/log/logger.hpp"
#include "daemon/model/live_model.hpp"
#include "daemon/service/memory_probe.hpp"
#include "daemon/service/signals.hpp"
#include "daemon/session/session_files.hpp"
#include "daemon/session/stats_file.hpp"

using namespace clara;
using namespace clara::daemon;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

int run(int argc, char** argv) {
  const auto t_start = Clock::now();
  const StopSignals signals;  // before any thread starts, so all inherit the mask
  DaemonSettings settings;
  try {
    const CommandLine cl = parse_command_line({argv + 1, argv + argc}, settings);
    if (cl.help || cl.version) return std::fputs(cl.help_text.c_str(), stdout), std::fputc('\n', stdout), 0;
  } catch (const SettingsError& e) {
    return log::error("%s", e.what()), 64;
  }
  log::Level level;
  if (log::parse_level(settings.log_level, level)) log::set_level(level);

  LiveModel model = load_live_model(settings);
  std::unique_ptr<MidiBackend> backend;
  try {
    backend = settings.backend == "jack" ? make_jack_backend(settings.midi) : make_alsa_backend(settings.midi);
    backend->start();
  } catch (const BackendError& e) {
    throw StartupError(69, e.what());
  }
  const InstrumentRoute route = clara_route(settings);
  send_program_change(*backend, route);

  DuetEngine engine(*model.lm, model.loaded.vocab, model.spec, settings.duet);
  // Step 0 one period ahead, so the first committed step is never already late.
  const std::int64_t origin = backend->now_ns() + backend->period_ns();
  engine.start(origin);
  std::unique_ptr<SessionRecorder> recorder;
  if (settings.record_sessions) recorder = std::make_unique<SessionRecorder>(origin, settings.duet.bpm);
  DuetThread duet(*backend, engine, recorder.get(), route);
  duet.start();
  const double startup_ms = ms_since(t_start);
  log::notice("ready in %.0f ms: model %s (%s), %s, mode %s, %.0f bpm, backend %s", startup_ms,
              model.loaded.card.name.c_str(), model.dir.c_str(), model.verdict.message.c_str(),
              std::string(to_string(settings.duet.mode)).c_str(), settings.duet.bpm,
              std::string(backend->kind()).c_str());

  int exit_code = 0;
  while (!signals.wait(std::chrono::milliseconds(100)))
    if (!backend->connected()) {
      log::error("the MIDI server went away; stopping");
      exit_code = 69;
      break;
    }
  const auto t_stop = Clock::now();
  const std::int64_t end_ns = backend->now_ns();
  duet.stop();      // Clara's note-offs into the queue
  const double duet_ms = ms_since(t_stop);
  backend->stop();  // then the panic, written before the ports close
  log::notice("stopped in %.0f ms (duet %.0f ms), every note ended, ports closed", ms_since(t_stop), duet_ms);

  RunFigures figures{startup_ms, peak_rss_kb(), duet.reactions_ns(), backend->stats(), engine.stats(), {}};
  if (recorder) try {
      figures.session = write_session(settings.effective_sessions_dir(), *recorder, engine, model.loaded.vocab,
                                      {model.loaded.card.name, model.weights_sha256, model.spec, origin, end_ns});
      log::notice("session written to %s", figures.session.c_str());
    } catch (const std::exception& e) {
      log::error("could not write the session: %s", e.what());
      exit_code = exit_code ? exit_code : 70;
    }
  if (!settings.stats_file.empty()) write_stats_file(settings.stats_file, figures);
  if (duet.failure()) exit_code = exit_code ? exit_code : 70;
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  int code;
  try {
    code = run(argc, argv);
  } catch (const StartupError& e) {
    log::error("%s", e.what());
    code = e.exit_code;
  } catch (const std::exception& e) {
    log::error("%s", e.what());
    code = 70;
  }
  // Ports are closed and files written. What exit() would still run is LibTorch's static
  // teardown (0.3-0.6 s deregistering operators), enough to break the 500 ms SIGTERM promise.
  std::fflush(nullptr);
  std::_Exit(code);
}
