#pragma once
// Where notification messages go: systemd's socket through libsystemd's
// sd_notify(), or a fake in tests. Not real-time; thread-safe (each send is
// one datagram on a socket of its own).
#include <memory>
#include <string>

namespace clara::daemon {

class NotifySink {
 public:
  virtual ~NotifySink() = default;
  // One datagram. Failure is not an error for clarad: a service manager that
  // stopped listening must not stop the music.
  virtual void notify(const std::string& message) = 0;
};

// True when $NOTIFY_SOCKET is set and not empty: clarad runs under a service
// manager that wants notifications (Type=notify). Without it nothing is sent.
bool notify_socket_set();

// sd_notify(0, message); a failed send is logged at debug level.
std::unique_ptr<NotifySink> make_systemd_notify_sink();

}  // namespace clara::daemon
