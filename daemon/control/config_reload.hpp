#pragma once
// SIGHUP: clarad reads its config file again (the one it started with, or, when it started
// on the built-in defaults, the first the search path finds now), with the same flags over
// it, and applies what changed as one more control source: an edit of the hub's
// ControlState, so the change lands as if sent over OSC (a mode on the next bar line).
//   - A file that is not valid changes nothing: each problem is logged, "FILE:LINE:COLUMN:
//     KEY: WHY", and the running settings keep playing.
//   - Keys the file did not change keep their live values (what OSC or a controller set).
//   - What cannot change while playing (backend, ports, OSC sockets, model, ...) is logged
//     "needs a restart: KEY" and keeps its running value, at every reload until clarad
//     restarts or the file goes back.
// Not real-time: main's thread, between waits for a signal.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "daemon/config/config_search.hpp"
#include "daemon/config/setting_changes.hpp"
#include "daemon/config/settings.hpp"
#include "daemon/control/control_hub.hpp"

namespace clara::daemon {

struct ReloadOutcome {
  std::string file;                    // what was read, as config_search describes it
  std::vector<std::string> errors;     // the file's problems, one a line; then nothing changed
  std::vector<SettingChange> applied;  // changed while playing
  std::vector<SettingChange> needs_restart;
  std::optional<std::string> refused;  // the engine refused the edit: nothing changed
};

// Whether `key` (as setting_changes names it) can change while clarad plays.
bool live_setting(const std::string& key);

class ConfigReload {
 public:
  // Completes freshly read settings as start-up did (the model's spec and card); throws
  // std::exception naming the setting when the model refuses them.
  using Complete = std::function<void(DaemonSettings&)>;

  // `args`: clarad's flags (argv without the program name); `config`: where start-up found
  // its file; `running`: the settings clarad started with, completed.
  ConfigReload(std::vector<std::string> args, ConfigLocation config, DaemonSettings running, Complete complete,
               ControlHub& hub, std::function<std::int64_t()> now_ns);

  // Reads, compares, applies, and logs each change, refusal and error.
  ReloadOutcome reload();

 private:
  std::vector<std::string> args_;
  ConfigLocation config_;
  DaemonSettings started_;  // what the restart-only keys still run with
  DaemonSettings applied_;  // the file as last applied: what a new read is compared with
  Complete complete_;
  ControlHub& hub_;
  std::function<std::int64_t()> now_ns_;
};

}  // namespace clara::daemon
