#pragma once
// Which settings two DaemonSettings differ in, by the key the config file names them with
// ("duet.tempo", "midi.output[0].connect", "route[1].channel"), each with both values as
// TOML text: what a reload logs and sorts into "applied now" and "needs a restart".
// Computed from config_toml(), which writes every key the loader reads (a round trip the
// tests hold), so a key added to the file is compared without being listed here.
#include <string>
#include <vector>

#include "daemon/config/settings.hpp"

namespace clara::daemon {

struct SettingChange {
  std::string key;
  std::string before, after;  // TOML values; "(not set)" where one side has no such key
};

// Sorted by key within each table (toml++'s order); the control token is compared too but its
// values are shown as "(hidden)".
std::vector<SettingChange> setting_changes(const DaemonSettings& before, const DaemonSettings& after);

}  // namespace clara::daemon
