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

std::optional<std::string> parse_connection_patterns(const std::vector<std::string>& input,
                                                     const std::vector<std::vector<std::string>>& outputs,
                                                     std::size_t output_ports, ConnectionPatterns& out) {
  if (outputs.size() != output_ports)
    return "clarad has " + std::to_string(output_ports) + " output port(s); another number needs a restart";
  ConnectionPatterns parsed;
  try {
    parsed.input.emplace("connect_input", input);
    for (std::size_t i = 0; i < outputs.size(); ++i)
      parsed.outputs.emplace_back("outputs[" + std::to_string(i) + "].connect", outputs[i]);
  } catch (const BackendError& e) {
    return std::string(e.what());
  }
  out = std::move(parsed);
  return std::nullopt;
}

std::optional<std::string> PendingConnections::offer(const std::vector<std::string>& input,
                                                     const std::vector<std::vector<std::string>>& outputs,
                                                     std::size_t output_ports) {
  ConnectionPatterns next;
  if (auto why = parse_connection_patterns(input, outputs, output_ports, next)) return why;
  std::lock_guard lock(mutex_);
  pending_ = std::move(next);
  return std::nullopt;
}

std::optional<ConnectionPatterns> PendingConnections::take() {
  std::optional<ConnectionPatterns> next;
  std::lock_guard lock(mutex_);
  next.swap(pending_);
  return next;
}

}  // namespace clara::daemon
