#include "daemon/service/notify_sink.hpp"

#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <cstring>

#include "daemon/log/logger.hpp"

namespace clara::daemon {
namespace {

class SystemdNotifySink final : public NotifySink {
 public:
  void notify(const std::string& message) override {
    // unset_environment = 0: the supervisor thread sends for as long as clarad runs.
    const int rc = sd_notify(0, message.c_str());
    if (rc < 0) log::debug("sd_notify failed (%s): %s", std::strerror(-rc), message.c_str());
  }
};

}  // namespace

bool notify_socket_set() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  return socket && *socket;
}

std::unique_ptr<NotifySink> make_systemd_notify_sink() { return std::make_unique<SystemdNotifySink>(); }

}  // namespace clara::daemon
