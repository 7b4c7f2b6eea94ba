#pragma once
// clarad under a service manager (systemd, Type=notify): READY=1 once it can
// play, STATUS= lines and watchdog pings while it plays, STOPPING=1 once every
// note is ended. Without $NOTIFY_SOCKET it sends nothing and starts no thread.
#include <functional>
#include <memory>

#include "daemon/control/control_hub.hpp"
#include "daemon/engine/duet_thread.hpp"
#include "daemon/midi/midi_backend.hpp"
#include "daemon/service/notify_sink.hpp"
#include "daemon/service/watchdog.hpp"

namespace clara::daemon {

// The status line's figures (the hub's state: what OSC and CC set last; the backend's
// late count) and the watchdog's counters (the backend's cycles, the duet's ticks).
SupervisorProbes daemon_probes(const MidiBackend& backend, const DuetThread& duet, const ControlHub& hub);

class SystemService {
 public:
  // Build it where clarad is ready: model loaded, budget passed, ports open, duet running.
  // Sends READY=1 with the first STATUS= line and starts the supervisor (options from the
  // environment), when $NOTIFY_SOCKET is set.
  explicit SystemService(SupervisorProbes probes);
  // The same with a sink and options of the caller's (tests); sends whatever NOTIFY_SOCKET says.
  SystemService(std::unique_ptr<NotifySink> sink, SupervisorOptions options, SupervisorProbes probes);
  ~SystemService();  // stops the supervisor; sends nothing
  SystemService(const SystemService&) = delete;
  SystemService& operator=(const SystemService&) = delete;

  // SIGHUP: RELOADING=1 before `reload` runs and READY=1 after it (sd_notify(3)), so systemd
  // shows the unit reloading meanwhile; without a service manager it only runs `reload`.
  void reload(const std::function<void()>& reload);

  // Call after the panic is out (MidiBackend::stop()): stops the watchdog pings and STATUS
  // lines, then sends STOPPING=1. Idempotent.
  void stopping();

 private:
  std::unique_ptr<NotifySink> sink_;  // null: not under a service manager
  std::unique_ptr<ServiceSupervisor> supervisor_;
  bool stopped_ = false;
};

}  // namespace clara::daemon
