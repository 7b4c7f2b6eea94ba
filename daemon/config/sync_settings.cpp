#include "daemon/config/sync_settings.hpp"

namespace clara::daemon {

std::optional<std::string> tempo_source_refusal(std::string_view source) {
  if (source == "internal" || source == "midi-clock" || source == "follow") return std::nullopt;
  if (source == "link")
    return "sync source '" + std::string(source) + "' is not built yet (internal, midi-clock and follow are)";
  return "sync source '" + std::string(source) + "' is not internal, midi-clock, link or follow";
}

}  // namespace clara::daemon
