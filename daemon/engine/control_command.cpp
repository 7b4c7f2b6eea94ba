#include "daemon/engine/control_command.hpp"

#include <cmath>
#include <cstdio>

namespace clara::daemon {

std::optional<std::string> validate(const ControlCommand& command) {
  if (const auto* t = std::get_if<SetTempo>(&command)) {
    if (!std::isfinite(t->bpm) || t->bpm < kMinBpm || t->bpm > kMaxBpm) {
      char why[96];
      std::snprintf(why, sizeof why, "tempo %g bpm is outside %g..%g", t->bpm, kMinBpm, kMaxBpm);
      return std::string(why);
    }
  }
  if (const auto* m = std::get_if<SetMode>(&command)) {
    const int v = static_cast<int>(m->mode);
    if (v < static_cast<int>(DuetMode::answer) || v > static_cast<int>(DuetMode::listen))
      return "mode " + std::to_string(v) + " is not answer, accompany, solo or listen";
  }
  return std::nullopt;
}

const char* command_name(const ControlCommand& command) {
  static constexpr const char* names[] = {"mode", "tempo", "panic", "stop"};
  return names[command.index()];
}

}  // namespace clara::daemon
