#pragma once
// Which existing MIDI ports to connect to, given as regular expressions in the
// settings (JACK full names like "fluidsynth:midi_00", or ALSA port names like
// "Digital Piano:Digital Piano MIDI 1 20:0"). A pattern matches anywhere in the
// name (std::regex_search), so a plain word works; anchor it for exactness.
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace clara::daemon {

class PortPatterns {
 public:
  // `where` names the setting, for the error a malformed pattern raises
  // (BackendError naming the setting, the pattern and the reason).
  PortPatterns(const std::string& where, const std::vector<std::string>& patterns);
  bool empty() const { return regexes_.empty(); }
  bool matches(std::string_view port_name) const;

 private:
  std::vector<std::regex> regexes_;
};

}  // namespace clara::daemon
