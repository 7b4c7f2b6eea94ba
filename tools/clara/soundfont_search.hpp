#pragma once
// Where `clara render` and `clara demo` find a General MIDI SoundFont.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace clara::cli {

// Debian's fluid-soundfont-gm first, then the names other distributions and the
// default-GM alternative use.
std::vector<std::filesystem::path> default_soundfont_paths();

// The places searched, in order: CLARA_SOUNDFONT_PATH (a colon-separated list of
// files or folders; folders are searched for *.sf2 and *.sf3 in name order) when
// it is set, else default_soundfont_paths().
std::vector<std::filesystem::path> soundfont_search_paths();

struct SoundfontSearch {
  std::optional<std::filesystem::path> found;
  std::vector<std::filesystem::path> looked_at;
  // "A, B": where it looked, for messages.
  std::string looked_at_text() const;
};

SoundfontSearch find_soundfont();

}  // namespace clara::cli
