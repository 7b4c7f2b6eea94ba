#pragma once
// clarad.toml: the daemon's settings file. Strict: an unknown key, a wrong type
// or a value out of range is a SettingsError naming the file, the line, the key
// and the valid range, so a typo never silently falls back to a default and a
// number is never narrowed into another. Schema: config/clarad.toml; ranges:
// setting_limits.hpp.
#include <filesystem>
#include <string>
#include <vector>

#include "daemon/config/settings.hpp"

namespace clara::daemon {

void load_config_file(const std::filesystem::path& path, DaemonSettings& settings);

// Every key the loader reads, dotted, arrays of tables without an index
// ("midi.output.max_note_ms", "route.channel"); lets a test hold the shipped file to it.
std::vector<std::string> config_file_keys();

}  // namespace clara::daemon
