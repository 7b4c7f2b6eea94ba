#include "daemon/config/sync_settings.hpp"

namespace clara::daemon {

std::optional<std::string> tempo_source_refusal(std::string_view source) {
  if (source == "internal" || source == "midi-clock" || source == "follow") return std::nullopt;
#if CLARA_HAVE_LINK
  if (source == "link") return std::nullopt;
#else
  if (source == "link") return "sync source 'link' is not in this build (built with CLARA_WITH_LINK=OFF)";
#endif
  return "sync source '" + std::string(source) + "' is not internal, midi-clock, link or follow";
}

}  // namespace clara::daemon
