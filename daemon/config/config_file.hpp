#pragma once
// clarad.toml: the daemon's settings file. Strict: an unknown key, a wrong type
// or a value out of range is a SettingsError naming the file and the key, so a
// typo never silently falls back to a default. Schema: config/clarad.toml.
#include <filesystem>

#include "daemon/config/settings.hpp"

namespace clara::daemon {

void load_config_file(const std::filesystem::path& path, DaemonSettings& settings);

}  // namespace clara::daemon
