#pragma once
// clarad.toml: the daemon's settings file. Strict: an unknown key, a wrong type or a value
// out of range is an error naming the file, line, column and key and the valid range, so a
// typo never silently falls back to a default and a number is never narrowed into another.
// Every such problem of the file is reported at once, one line each, not only the first; a
// syntax error is the exception: toml++ stops there, so it is the one line. Schema:
// config/clarad.toml; ranges: setting_limits.hpp; raw-text guards: toml_guard.hpp.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/config/setting_sources.hpp"
#include "daemon/config/settings.hpp"

namespace clara::daemon {

// Reads `path` (at most kMaxConfigBytes of it) and loads it as load_config_text does; a
// file that cannot be read is a SettingsError too (exit code 78).
void load_config_file(const std::filesystem::path& path, DaemonSettings& settings,
                      SettingSources* sources = nullptr);

// `text` as the file `name` (which the errors name). All or nothing: on success `settings`
// holds the file's values over what it held and `sources` (when given) the "NAME:LINE" of
// each key the file set; otherwise SettingsError with exit code 78 (EX_CONFIG) whose
// what() holds every problem, one line each ("NAME:LINE:COLUMN: KEY: WHY"; at most 100,
// then a line saying how many more), and neither is changed. Ends with
// settings.validate_values(); whether [control] is safe to expose
// (DaemonSettings::validate(), exit code 78) is the caller's check, once the flags are in.
void load_config_text(std::string_view text, const std::string& name, DaemonSettings& settings,
                      SettingSources* sources = nullptr);

// Every key the loader reads, dotted, arrays of tables without an index
// ("midi.output.max_note_ms", "route.channel"); lets a test hold the shipped file to it.
std::vector<std::string> config_file_keys();

}  // namespace clara::daemon
