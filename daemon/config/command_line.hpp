#pragma once
// clarad's flags, parsed by CLI11. The config file (--config FILE, or the first of the
// places config_search.hpp lists) is read first, then every other flag overrides it,
// whatever their order on the line; --help and --version answer before the config file is
// read, so they work even when it is bad.
#include <optional>
#include <string>
#include <vector>

#include "daemon/config/config_search.hpp"
#include "daemon/config/setting_sources.hpp"
#include "daemon/config/settings.hpp"

namespace clara::daemon {

struct CommandLine {
  bool help = false;     // help_text() holds what to print
  bool version = false;
  std::string help_text;
  bool print_config = false;  // --print-config: config_text holds what to print
  bool list_ports = false;    // --list-ports: list the MIDI ports and what the patterns take, then exit
  std::string config_text;    // the effective settings as TOML (config_toml.hpp)
  ConfigLocation config;      // the config file read, or none
  SettingSources sources;     // where each setting came from
};

// Fills `settings` from the config file and argv (args[0] is not the program name);
// SettingsError when something is wrong: exit code 64 naming the flag, 78 for the config
// file (each of its problems, one line each) or an unsafe [control].
// `config`, when given, is read instead of searching (a reload reads the file found at start).
CommandLine parse_command_line(const std::vector<std::string>& args, DaemonSettings& settings,
                               const ConfigLocation* config = nullptr);

// What main() runs first: parses, prints --help/--version/--print-config, applies the log
// level and logs which config file was read. nullopt: go on; otherwise exit with that code
// (0 after help or --print-config; SettingsError::exit_code(), each line of its message
// logged as one error). `found`, when given, receives the config file's location.
std::optional<int> parse_command_line_or_exit(const std::vector<std::string>& args, DaemonSettings& settings,
                                              ConfigLocation* found = nullptr);

// The exit codes clarad uses (sysexits.h), as printed in --help.
const char* exit_codes_text();

}  // namespace clara::daemon
