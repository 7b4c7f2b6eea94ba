#pragma once
// Which clarad.toml clarad reads: --config FILE, else the user's
// $XDG_CONFIG_HOME/clara/clarad.toml (~/.config/clara/clarad.toml when XDG_CONFIG_HOME is
// unset, empty or relative, as the XDG Base Directory spec says), else the system's
// /etc/clara/clarad.toml, else none: the built-in defaults. Only the first found is read;
// the files are never merged, so what clarad runs with is always one file and the flags.
// CLARA_SYSTEM_CONFIG_DIR, when set and not empty, replaces /etc/clara: a hook for tests
// and for packages installed under another prefix.
#include <filesystem>
#include <string>
#include <vector>

namespace clara::daemon {

struct ConfigLocation {
  std::filesystem::path path;  // empty: none found, the built-in defaults
  // How it was found: "--config", "$XDG_CONFIG_HOME/clara/clarad.toml",
  // "~/.config/clara/clarad.toml", "/etc/clara/clarad.toml", or
  // "$CLARA_SYSTEM_CONFIG_DIR/clarad.toml"; "" when none was.
  std::string source;
  std::vector<std::filesystem::path> searched;  // the places looked at, in order (not with --config)

  // One line for the log: "config file /home/u/.config/clara/clarad.toml
  // ($XDG_CONFIG_HOME/clara/clarad.toml)" or "no config file (looked for A, B): built-in defaults".
  std::string describe() const;
};

// `config_flag` is --config's value ("" when not given), taken as it is, found or not: a
// file that cannot be read is the loader's error. Otherwise the first candidate that exists
// (as anything, even a dangling link or a folder, so that a broken one is an error rather
// than silently skipped) wins.
ConfigLocation find_config_file(const std::string& config_flag);

}  // namespace clara::daemon
