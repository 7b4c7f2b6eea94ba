#pragma once
// clarad does not run as root unless told to: it loads model files, listens on
// sockets and asks for real-time priority, none of which needs root (the unit
// runs it as User=clara with LimitRTPRIO=), so root is a mistake far more often
// than a choice.
#include <optional>
#include <string>
#include <sys/types.h>

namespace clara::daemon {

inline constexpr int kExitNoPermission = 77;  // EX_NOPERM, sysexits.h

// Why a process with effective user `euid` may not run, or nullopt.
std::optional<std::string> root_refusal(uid_t euid, bool allow_root);

// StartupError(77) naming --allow-root when this process runs as root without it.
void refuse_root_unless_allowed(bool allow_root);

}  // namespace clara::daemon
