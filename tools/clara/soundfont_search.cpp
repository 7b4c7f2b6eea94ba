#include "tools/clara/soundfont_search.hpp"

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <system_error>

namespace clara::cli {
namespace fs = std::filesystem;

std::vector<fs::path> default_soundfont_paths() {
  return {"/usr/share/sounds/sf2/FluidR3_GM.sf2", "/usr/share/sounds/sf2/default-GM.sf2",
          "/usr/share/soundfonts/FluidR3_GM.sf2", "/usr/share/soundfonts/default.sf2",
          "/usr/share/sounds/sf3/default-GM.sf3"};
}

std::vector<fs::path> soundfont_search_paths() {
  const char* env = std::getenv("CLARA_SOUNDFONT_PATH");
  if (env == nullptr) return default_soundfont_paths();
  std::vector<fs::path> out;
  std::stringstream ss(env);
  for (std::string item; std::getline(ss, item, ':');)
    if (!item.empty()) out.emplace_back(item);
  return out;
}

SoundfontSearch find_soundfont() {
  SoundfontSearch s;
  for (const fs::path& p : soundfont_search_paths()) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> fonts;
      for (const auto& e : fs::directory_iterator(p, ec)) {
        const auto ext = e.path().extension();
        if ((ext == ".sf2" || ext == ".sf3") && fs::is_regular_file(e.path(), ec)) fonts.push_back(e.path());
      }
      std::sort(fonts.begin(), fonts.end());
      s.looked_at.push_back(p / "*.sf2");
      if (!fonts.empty()) {
        s.found = fonts.front();
        return s;
      }
      continue;
    }
    s.looked_at.push_back(p);
    if (fs::is_regular_file(p, ec)) {  // a symbolic link to a font counts
      s.found = p;
      return s;
    }
  }
  return s;
}

std::string SoundfontSearch::looked_at_text() const {
  std::string where;
  for (const auto& p : looked_at) where += (where.empty() ? "" : ", ") + p.string();
  return where.empty() ? "nowhere: CLARA_SOUNDFONT_PATH is empty" : where;
}

}  // namespace clara::cli
