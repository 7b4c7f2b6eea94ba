#pragma once
// Which existing MIDI ports to connect to (JACK full names like "fluidsynth:midi_00", ALSA port
// names like "Digital Piano:Digital Piano MIDI 1 20:0"). Two forms:
//  - a name: a pattern with none of the regex characters . * + ? ^ $ ( ) [ ] { } | \ matches a
//    port whose name is it or holds it as a whole word, bounded by the name's start or end or by
//    a character that is not a letter or digit. So "system:midi_capture_1" never matches
//    "system:midi_capture_10", and "Keystation" matches "Keystation 49:Keystation 49 MIDI 1 20:0";
//  - a regex: any other pattern is an ECMAScript regular expression searched anywhere in the
//    name (std::regex_search); anchor it (^...$) for exactness.
#include <cstddef>
#include <mutex>
#include <optional>
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

// Every port's patterns at once, as a reload hands them to a backend: the input's, then one list
// for each output port.
struct ConnectionPatterns {
  std::optional<PortPatterns> input;
  std::vector<PortPatterns> outputs;
};

// Parses them for a backend with `output_ports` outputs into `out`: nullopt when done, else why
// they cannot be used (another number of outputs, a malformed pattern naming its setting).
std::optional<std::string> parse_connection_patterns(const std::vector<std::string>& input,
                                                     const std::vector<std::vector<std::string>>& outputs,
                                                     std::size_t output_ports, ConnectionPatterns& out);

// A reload's patterns on their way from the thread that reloads to the backend's watcher thread,
// which applies them; the newest set offered wins.
class PendingConnections {
 public:
  // Parses and keeps them: nullopt, or the reason they cannot be used (parse_connection_patterns),
  // and then what was offered before stays.
  std::optional<std::string> offer(const std::vector<std::string>& input,
                                   const std::vector<std::vector<std::string>>& outputs, std::size_t output_ports);
  // The set offered since the last take, if any.
  std::optional<ConnectionPatterns> take();

 private:
  std::mutex mutex_;
  std::optional<ConnectionPatterns> pending_;
};

}  // namespace clara::daemon
