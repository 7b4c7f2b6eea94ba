#pragma once
// Everything that steers clarad while it plays, composed: the hub, the OSC
// server on its Asio thread and the MIDI CC map on the inference thread.
// main.cpp builds one after the duet thread and stops it first.
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "daemon/config/settings.hpp"
#include "daemon/control/cc_map.hpp"
#include "daemon/control/control_hub.hpp"
#include "daemon/control/osc_server.hpp"
#include "daemon/engine/duet_thread.hpp"
#include "daemon/midi/midi_backend.hpp"

namespace clara::daemon {

// The state a duet starts with, for /clara/status.
ControlState initial_control_state(const DaemonSettings& settings, const std::string& model_name,
                                   const EncodingSpec& spec, std::string_view backend);

// Does what a CC action asks through the hub (a knob's value, a button's press);
// nullopt = accepted, or why not. A CcLearned changes nothing here.
std::optional<std::string> apply_cc(ControlHub& hub, const CcAction& action);

class ControlPlane {
 public:
  // Installs the CC map as `duet`'s input filter (call before duet.start()); hooks.learn is
  // filled here. The OSC server starts with start().
  ControlPlane(const DaemonSettings& settings, DuetThread& duet, MidiBackend& backend, ControlState initial,
               ControlHooks hooks);
  ~ControlPlane();
  // Binds the OSC sockets (StartupError 69 naming the address and port), serves.
  void start();
  void stop();  // idempotent; before the duet stops, so no command arrives after
  ControlHub& hub() { return *hub_; }
  std::optional<OscServerStats> osc_stats() const;
  // The hub's rebind_osc (a reload; the caller's thread, never the OSC thread's): stops the
  // server, binds one as `next` says, or binds the one before again and says why not. The
  // counters start again; TCP connections close and subscribers subscribe again.
  std::optional<std::string> rebind(const ControlSettings& next);

 private:
  bool on_input(const TimedMessage& m);  // the inference thread, per message of the human
  std::unique_ptr<OscServer> open_server(const ControlSettings& control);  // bound and serving, or throws

  std::unique_ptr<ControlHub> hub_;
  std::function<std::int64_t()> now_ns_;
  ControlSettings serving_;          // what the server was bound with
  mutable std::mutex server_mutex_;  // server_ is replaced by a reload while osc_stats() may read it
  std::unique_ptr<OscServer> server_;
  std::mutex cc_mutex_;  // learn() comes from the OSC thread
  CcMap cc_;
};

// ControlSettings → the server's own.
OscServerConfig osc_server_config(const ControlSettings& control);

}  // namespace clara::daemon
