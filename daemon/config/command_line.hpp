#pragma once
// clarad's flags, parsed by CLI11. --config is read first, then every other flag
// overrides it, whatever their order on the line; --help and --version answer
// before the config file is read, so they work even when it is bad.
#include <optional>
#include <string>
#include <vector>

#include "daemon/config/settings.hpp"

namespace clara::daemon {

struct CommandLine {
  bool help = false;     // help_text() holds what to print
  bool version = false;
  std::string help_text;
};

// Fills `settings` from argv (args[0] is not the program name); SettingsError naming the
// flag when it is wrong.
CommandLine parse_command_line(const std::vector<std::string>& args, DaemonSettings& settings);

// What main() runs first: parses, prints --help/--version, applies the log level.
// nullopt: go on; otherwise exit with that code (0 after help, 64 for a bad flag or
// setting, which is logged naming it).
std::optional<int> parse_command_line_or_exit(const std::vector<std::string>& args, DaemonSettings& settings);

// The exit codes clarad uses (sysexits.h), as printed in --help.
const char* exit_codes_text();

}  // namespace clara::daemon
