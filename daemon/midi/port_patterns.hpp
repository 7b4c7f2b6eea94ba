#pragma once
// Which existing MIDI ports to connect to (JACK full names like "fluidsynth:midi_00", ALSA port
// names like "Digital Piano:Digital Piano MIDI 1 20:0"). Two forms:
//  - a name: a pattern with none of the regex characters . * + ? ^ $ ( ) [ ] { } | \ matches a
//    port whose name is it or holds it as a whole word, bounded by the name's start or end or by
//    a character that is not a letter or digit. So "system:midi_capture_1" never matches
//    "system:midi_capture_10", and "Keystation" matches "Keystation 49:Keystation 49 MIDI 1 20:0";
//  - a regex: any other pattern is an ECMAScript regular expression searched anywhere in the
//    name (std::regex_search); anchor it (^...$) for exactness.
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
