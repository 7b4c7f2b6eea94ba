#include "daemon/config/config_search.hpp"

#include <cstdlib>
#include <system_error>
#include <utility>

namespace clara::daemon {

namespace fs = std::filesystem;

namespace {

// An environment variable's value, or "" when unset.
std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// The candidates, in order, each with how the log names it.
std::vector<std::pair<fs::path, std::string>> candidates() {
  std::vector<std::pair<fs::path, std::string>> c;
  // The spec: "If an implementation encounters a relative path in any of these variables it
  // should consider the path invalid and ignore it."
  if (const std::string xdg = env("XDG_CONFIG_HOME"); !xdg.empty() && fs::path(xdg).is_absolute())
    c.emplace_back(fs::path(xdg) / "clara" / "clarad.toml", "$XDG_CONFIG_HOME/clara/clarad.toml");
  else if (const std::string home = env("HOME"); !home.empty())
    c.emplace_back(fs::path(home) / ".config" / "clara" / "clarad.toml", "~/.config/clara/clarad.toml");
  if (const std::string dir = env("CLARA_SYSTEM_CONFIG_DIR"); !dir.empty())
    c.emplace_back(fs::path(dir) / "clarad.toml", "$CLARA_SYSTEM_CONFIG_DIR/clarad.toml");
  else
    c.emplace_back(fs::path("/etc/clara/clarad.toml"), "/etc/clara/clarad.toml");
  return c;
}

}  // namespace

std::string ConfigLocation::describe() const {
  if (!path.empty()) return "config file " + path.string() + " (" + source + ")";
  std::string list;
  for (const auto& p : searched) list += (list.empty() ? "" : ", ") + p.string();
  return "no config file (looked for " + list + "): built-in defaults";
}

ConfigLocation find_config_file(const std::string& config_flag) {
  ConfigLocation l;
  if (!config_flag.empty()) {
    l.path = config_flag;
    l.source = "--config";
    return l;
  }
  for (auto& [path, source] : candidates()) {
    l.searched.push_back(path);
    std::error_code ec;
    // symlink_status: a dangling link is there, and an error to read, not a missing file.
    // A folder above that cannot be searched (EACCES) is there too, for the same reason.
    const fs::file_status st = fs::symlink_status(path, ec);
    if (st.type() == fs::file_type::not_found) continue;
    l.path = path;
    l.source = source;
    return l;
  }
  return l;
}

}  // namespace clara::daemon
