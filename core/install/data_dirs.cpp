#include "core/install/data_dirs.hpp"

#include <algorithm>
#include <cstdlib>
#include <system_error>

namespace clara {

namespace fs = std::filesystem;

std::vector<fs::path> data_dirs(const DataDirPlaces& p) {
  std::vector<fs::path> dirs;
  auto add = [&](const fs::path& d) {
    if (d.empty()) return;
    fs::path n = d.lexically_normal();
    if (!n.has_filename() && n.has_relative_path()) n = n.parent_path();  // "a/b/" is "a/b"
    if (std::find(dirs.begin(), dirs.end(), n) == dirs.end()) dirs.push_back(n);
  };
  add(p.working_dir);
  add(p.env_data_dir);
  if (!p.executable.empty()) add(p.executable.parent_path() / ".." / "share" / "clara");
  add(p.installed_dir);
  return dirs;
}

fs::path installed_data_dir() { return CLARA_INSTALLED_DATA_DIR; }

DataDirPlaces process_data_dir_places() {
  DataDirPlaces p;
  std::error_code ec;
  p.working_dir = fs::current_path(ec);  // a removed working directory leaves it out
  if (const char* d = std::getenv("CLARA_DATA_DIR")) p.env_data_dir = d;
  p.executable = fs::read_symlink("/proc/self/exe", ec);
  if (ec) p.executable.clear();
  p.installed_dir = installed_data_dir();
  return p;
}

std::vector<fs::path> process_data_dirs() { return data_dirs(process_data_dir_places()); }

}  // namespace clara
