#pragma once
// A setting clarad cannot use. The message names the file, line, key or flag (a config
// file's problems one per line, all of them); the exit code is what clarad exits with when
// this stops it (sysexits.h): 64 (EX_USAGE) for a bad flag or value given on the command
// line, 78 (EX_CONFIG) for anything wrong with the config file, and for settings that are
// each valid but unsafe together.
#include <stdexcept>
#include <string>

namespace clara::daemon {

class SettingsError : public std::runtime_error {
 public:
  static constexpr int kUsage = 64;   // EX_USAGE
  static constexpr int kConfig = 78;  // EX_CONFIG

  explicit SettingsError(const std::string& what, int exit_code = kUsage)
      : std::runtime_error(what), exit_code_(exit_code) {}
  explicit SettingsError(const char* what, int exit_code = kUsage) : SettingsError(std::string(what), exit_code) {}

  int exit_code() const noexcept { return exit_code_; }

 private:
  int exit_code_;
};

}  // namespace clara::daemon
