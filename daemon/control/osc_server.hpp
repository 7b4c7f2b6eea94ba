#pragma once
// clarad's OSC control plane: one Asio io_context thread (not real-time)
// serving OSC 1.0 over UDP and over TCP (size-prefixed or SLIP frames, chosen
// or detected per connection) on the same address space. Bounded everywhere:
// packet size, TCP connections, per-connection buffers and write queues, idle
// connections, subscribers, failed authentications per source. With a token,
// nothing unauthenticated changes anything or gets any reply.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/osc/osc_stream.hpp"
#include "daemon/control/control_hub.hpp"

namespace clara::daemon {

struct OscServerConfig {
  std::vector<std::string> bind{"127.0.0.1", "::1"};
  int udp_port = 9000, tcp_port = 9000;  // 0 = off
  osc::Framing framing = osc::Framing::detect;
  std::string token;                      // empty: no authentication (loopback only)
  int max_tcp_connections = 16;
  double idle_timeout_s = 300;
  int max_subscribers = 16;
  std::size_t tcp_buffer_bytes = 64 * 1024;  // the largest frame a connection may send
  int auth_failures_per_s = 5;
  double udp_subscription_s = 60;  // a UDP subscriber that does not renew is dropped
};

// Counters for /clara/metrics and tests; read from any thread.
struct OscServerStats {
  std::uint64_t packets = 0, messages = 0, malformed = 0, refused_auth = 0, replies = 0, pushes = 0;
  std::uint64_t tcp_accepted = 0, tcp_rejected = 0, tcp_closed_idle = 0, tcp_closed_error = 0;
  int tcp_open = 0, subscribers = 0;
};

class OscServer {
 public:
  // `now_ns` is the clock bundles' timetags are converted to (the backend's): a command
  // due at a future timetag is handed to the hub with that due time.
  OscServer(ControlHub& hub, OscServerConfig config, std::function<std::int64_t()> now_ns);
  ~OscServer();
  OscServer(const OscServer&) = delete;
  OscServer& operator=(const OscServer&) = delete;

  // Binds every socket (std::runtime_error naming the address and port that failed), then
  // serves on its own thread.
  void start();
  void stop();  // idempotent

  // The ports bound (after start; useful with port 0 in a test... 0 means off, so tests pick free ports).
  OscServerStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace clara::daemon
