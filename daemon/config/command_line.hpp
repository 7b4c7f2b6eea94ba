#pragma once
// clarad's flags. --config is read first, then every other flag overrides it,
// whatever their order on the line.
#include <optional>
#include <string>
#include <vector>

#include "daemon/config/settings.hpp"

namespace clara::daemon {

struct CommandLine {
  bool help = false;
  bool version = false;
};

// Fills `settings` from argv; SettingsError naming the flag when it is wrong.
CommandLine parse_command_line(const std::vector<std::string>& args, DaemonSettings& settings);

const char* usage_text();

}  // namespace clara::daemon
