#include "daemon/service/root_guard.hpp"

#include <unistd.h>

#include "daemon/service/startup_error.hpp"

namespace clara::daemon {

std::optional<std::string> root_refusal(uid_t euid, bool allow_root) {
  if (euid != 0 || allow_root) return std::nullopt;
  return "refusing to run as root: clarad needs no root rights (real-time priority comes from RLIMIT_RTPRIO, "
         "e.g. the audio group or the unit's LimitRTPRIO=); run it as an ordinary user (the systemd unit uses "
         "User=clara), or pass --allow-root if running as root is what you mean";
}

void refuse_root_unless_allowed(bool allow_root) {
  if (const auto why = root_refusal(geteuid(), allow_root)) throw StartupError(kExitNoPermission, *why);
}

}  // namespace clara::daemon
