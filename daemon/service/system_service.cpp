#include "daemon/service/system_service.hpp"

#include "daemon/log/logger.hpp"

namespace clara::daemon {

SupervisorProbes daemon_probes(const MidiBackend& backend, const DuetThread& duet, const ControlHub& hub) {
  SupervisorProbes p;
  p.progress = [&backend, &duet] { return Progress{backend.cycles(), duet.ticks()}; };
  p.status = [&backend, &hub] {
    const ControlState st = hub.state();
    ServiceStatus s;
    s.model = st.model;
    s.mode = std::string(to_string(st.mode));
    s.bpm = st.bpm;
    s.playing = st.playing;
    s.late = backend.stats().late;
    return s;
  };
  return p;
}

SystemService::SystemService(SupervisorProbes probes)
    : SystemService(notify_socket_set() ? make_systemd_notify_sink() : nullptr,
                    notify_socket_set() ? supervisor_options_from_environment() : SupervisorOptions{},
                    std::move(probes)) {}

SystemService::SystemService(std::unique_ptr<NotifySink> sink, SupervisorOptions options, SupervisorProbes probes)
    : sink_(std::move(sink)) {
  if (!sink_) return;
  sink_->notify(ready_message(probes.status()));
  if (options.watchdog.count() > 0)
    log::info("watchdog: WATCHDOG=1 every %lld ms while the output path and the inference thread advance",
              static_cast<long long>(options.watchdog.count() / 2000));
  supervisor_ = std::make_unique<ServiceSupervisor>(*sink_, options, std::move(probes), SupervisorClock::now());
  supervisor_->start();
}

SystemService::~SystemService() {
  if (supervisor_) supervisor_->stop();
}

void SystemService::reload(const std::function<void()>& reload) {
  const bool notify = sink_ && !stopped_;
  if (notify) sink_->notify("RELOADING=1");
  reload();
  if (notify) sink_->notify("READY=1");
}

void SystemService::stopping() {
  if (stopped_ || !sink_) return;
  stopped_ = true;
  supervisor_->stop();
  sink_->notify(stopping_message());
}

}  // namespace clara::daemon
