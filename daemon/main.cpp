// clarad: composes the daemon. Everything that can fail is built before a port
// opens; then it plays until a stop signal, ends every note, closes the ports
// and finishes the session files it has been writing all along.
#include <chrono>
#include <memory>

#include "daemon/config/command_line.hpp"
#include "daemon/control/config_reload.hpp"
#include "daemon/control/control_plane.hpp"
#include "daemon/engine/duet_thread.hpp"
#include "daemon/engine/engine_factory.hpp"
#include "daemon/log/logger.hpp"
#include "daemon/model/live_critic.hpp"
#include "daemon/model/live_model.hpp"
#include "daemon/model/model_swapper.hpp"
#include "daemon/service/ledgered_backend.hpp"
#include "daemon/service/memory_lock.hpp"
#include "daemon/service/memory_probe.hpp"
#include "daemon/service/process_exit.hpp"
#include "daemon/service/root_guard.hpp"
#include "daemon/service/signals.hpp"
#include "daemon/service/system_service.hpp"
#include "daemon/session/live_session.hpp"
#include "daemon/session/stats_file.hpp"
#include "daemon/sync/tempo_sync.hpp"

using namespace clara;
using namespace clara::daemon;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

int run(int argc, char** argv) {
  const auto t_start = Clock::now();
  const StopSignals signals;  // before any thread starts, so all inherit the mask
  DaemonSettings settings;
  const std::vector<std::string> args(argv + 1, argv + argc);
  ConfigLocation config_file;  // what SIGHUP reads again
  if (const auto early = parse_command_line_or_exit(args, settings, &config_file)) return *early;
  refuse_root_unless_allowed(settings.allow_root);  // 77

  LiveModel model = load_live_model(settings);
  lock_memory_and_log(peak_rss_kb());  // after the model (the bulk of what clarad holds), before any real-time thread
  DuetEngine engine = make_engine(*model.lm, model.loaded.vocab, model.spec, settings.duet);
  const std::optional<LiveCritic> critic = load_live_critic(settings, model);  // 78: missing or bad
  if (critic) {
    engine.set_solo_ranking(solo_ranking(*critic, settings.solo.candidates, model));
    log_solo_ranking(*critic, settings.solo.candidates, model, settings.duet.mode);
  }
  const auto routes = effective_routes(settings);
  LedgeredBackend output = open_ledgered_backend(settings);  // 69 without a MIDI server
  MidiBackend& backend = *output.backend;
  send_program_change(backend, route_for(routes, settings.duet.clara_prefix));
  const std::int64_t origin = start_engine(engine, backend);
  LiveSession session = open_live_session(settings.record_sessions, settings.effective_sessions_dir(), settings.duet.bpm,
                                          engine, session_source(model, origin));
  TempoSync sync(settings.sync.source);  // declared before the thread that calls it
  // Link's session times are mapped onto the clock the backend stamps messages with.
  sync.set_link_joiner([&backend](double bpm) { return join_link_session(bpm, [&backend] { return backend.now_ns(); }); });
  DuetThread duet(backend, engine, session.recorder.get(), routes);
  duet.set_tempo_source(&sync);
  duet.set_clock_out(settings.sync.clock_out);
  duet.set_metronome(settings.sync.metronome, settings.sync.count_in_bars);
  ModelSwapper swapper(duet, model.loaded.card.name, model.spec, settings.tokens_per_step_budget, model_roots(),
                       model.precision.chosen, model.device.chosen);
  ControlPlane control(settings, duet, backend,
                       initial_control_state(settings, model.loaded.card.name, model.spec, backend.kind()),
                       swapper.hooks());
  swapper.attach(control.hub());
  sync.set_report([&control](const SyncStatus& st) {
    control.hub().report([&st](ControlState& s) { s.sync = st.source, s.sync_locked = st.locked, s.sync_bpm = st.master_bpm; });
  });
  control.start();  // before the first note: a port already taken stops clarad here (69)
  duet.start();
  const double startup_ms = ms_since(t_start);
  log_ready(model, settings, backend.kind(), startup_ms);
  SystemService service(daemon_probes(backend, duet, control.hub()));  // READY=1, then STATUS= and WATCHDOG=1
  ConfigReload reload(
      args, config_file, settings, [&model](DaemonSettings& s) { complete_settings(s, model.spec, model.loaded.card); },
      control.hub(), [&backend] { return backend.now_ns(); });

  int exit_code = wait_for_stop(signals, [&] { service.reload([&] { reload.reload(); }); },
                                [&backend] { return !backend.connected() && !backend.recovering(); });
  const auto t_stop = Clock::now();
  const std::int64_t end_ns = backend.now_ns();
  control.stop();   // no command after this
  swapper.stop();   // a swap still waiting for its bar line is cancelled
  duet.stop();      // Clara's note-offs into the queue
  const double duet_ms = ms_since(t_stop);
  backend.stop();   // then the panic, written before the ports close
  output.sounding->stop();  // nothing sounds: the crash ledger's file goes
  service.stopping();  // STOPPING=1
  log::notice("stopped in %.0f ms (duet %.0f ms), every note ended, ports closed", ms_since(t_stop), duet_ms);

  RunFigures figures{startup_ms, peak_rss_kb(), duet.reactions_ns(), backend.stats(), engine.stats(), {}};
  if (!close_live_session(session, engine, model.loaded.vocab, end_ns, figures.session) && !exit_code) exit_code = 70;
  if (!settings.stats_file.empty()) write_stats_file(settings.stats_file, figures);
  if (duet.failure() && !exit_code) exit_code = 70;
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) { run_and_exit([&] { return run(argc, argv); }); }
