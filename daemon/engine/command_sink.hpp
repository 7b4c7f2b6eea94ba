#pragma once
// Where control sources hand their typed commands: the inference thread
// (DuetThread) in clarad, a recorder in tests.
#include <cstdint>
#include <optional>
#include <string>

#include "daemon/engine/control_command.hpp"

namespace clara::daemon {

class CommandSink {
 public:
  virtual ~CommandSink() = default;
  // Why `command` would be refused, or nullopt; changes nothing.
  virtual std::optional<std::string> check(const ControlCommand& command) const = 0;
  // Checks, then queues it to apply once the clock reaches due_ns (0: now), with
  // on_bar_line at the first bar line from then. nullopt = accepted.
  virtual std::optional<std::string> submit(const ControlCommand& command, std::int64_t due_ns, bool on_bar_line) = 0;
};

}  // namespace clara::daemon
