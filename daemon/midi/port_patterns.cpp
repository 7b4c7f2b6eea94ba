// GCC 12 warns about its own <regex> internals (std::function in _State) as
// "maybe uninitialized" when inlined under -O2 with the sanitizers: a known
// false positive of GCC 12, silenced for this file only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "daemon/midi/port_patterns.hpp"

#include "daemon/midi/midi_backend.hpp"

namespace clara::daemon {

namespace {

bool is_plain_name(const std::string& pattern) {
  return !pattern.empty() && pattern.find_first_of(".*+?^$()[]{}|\\") == std::string::npos;
}

}  // namespace

PortPatterns::PortPatterns(const std::string& where, const std::vector<std::string>& patterns) {
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    // A name needs no escaping: it holds no regex character.
    const std::string regex =
        is_plain_name(patterns[i]) ? "(^|[^A-Za-z0-9])" + patterns[i] + "($|[^A-Za-z0-9])" : patterns[i];
    try {
      regexes_.emplace_back(regex, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw BackendError(where + "[" + std::to_string(i) + "]: bad port pattern '" + patterns[i] +
                         "': " + e.what());
    }
  }
}

bool PortPatterns::matches(std::string_view port_name) const {
  for (const auto& r : regexes_)
    if (std::regex_search(port_name.begin(), port_name.end(), r)) return true;
  return false;
}

}  // namespace clara::daemon
