#pragma once
// The properties both the libFuzzer target and the regression runner check on any bytes
// taken as a clarad.toml named "input.toml" (load_config_text: the guards, toml++, the
// schema, the ranges):
//  - the loader accepts, or throws SettingsError with exit code 78 whose every line starts
//    with "input.toml" (one problem per line: no stray newline from the file); no other
//    exception, no crash, no sanitizer report;
//  - what it accepts, written back by config_toml (--print-config), loads again, and is
//    written back the same (the token aside, which is never written).
// Any other outcome throws std::logic_error (or crashes under the sanitizers).
#include <cstdint>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "daemon/config/config_file.hpp"
#include "daemon/config/config_toml.hpp"
#include "daemon/config/toml_guard.hpp"

namespace clara::fuzz {

inline constexpr const char* kConfigFuzzName = "input.toml";

// The outcome, for the regression runner's .expected files: "accepted\n" and the settings
// as config_toml writes them (sources as comments), or "refused\n" and the problem lines.
inline std::string check_config_bytes(std::span<const std::uint8_t> bytes) {
  using namespace clara::daemon;
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  DaemonSettings s;
  SettingSources sources;
  try {
    load_config_text(text, kConfigFuzzName, s, &sources);
  } catch (const SettingsError& e) {
    if (e.exit_code() != SettingsError::kConfig)
      throw std::logic_error("a config file problem exits " + std::to_string(e.exit_code()) + ", not 78: " + e.what());
    const std::string what = e.what();
    std::istringstream lines(what);
    for (std::string line; std::getline(lines, line);)
      if (line.rfind(kConfigFuzzName, 0) != 0)
        throw std::logic_error("a problem line that does not name the file: '" + line + "'");
    if (what.empty() || what.back() == '\n') throw std::logic_error("an empty problem line");
    return "refused\n" + what + "\n";
  }
  // Round trip: printed, the settings load again to what prints the same. The token is not
  // printed, so it is left out of the comparison.
  const std::string printed = config_toml(s, sources);
  DaemonSettings again;
  try {
    load_config_text(printed, "printed.toml", again);
  } catch (const SettingsError& e) {
    // A file close to the cap can print longer than it (escapes): that alone is fine.
    const bool too_long = printed.size() > kMaxConfigBytes && std::string(e.what()).find(" bytes, more than ") !=
                                                                  std::string::npos;
    if (!too_long)
      throw std::logic_error("--print-config wrote what the loader refuses: " + std::string(e.what()) + "\n" +
                             printed);
    return "accepted (printed longer than the cap)\n";
  }
  s.control.token.clear();
  const std::string first = config_toml(s, SettingSources{});
  const std::string second = config_toml(again, SettingSources{});
  if (first != second)
    throw std::logic_error("--print-config does not round-trip:\n--- first\n" + first + "--- second\n" + second);
  return "accepted\n" + printed;
}

}  // namespace clara::fuzz
