#pragma once
// The client end of clarad's OSC control plane: one UDP socket connected to the
// target (so the kernel drops datagrams from anyone else and reports an ICMP
// "port unreachable" as a refused connection), or one TCP connection with OSC
// 1.0 size-prefix or SLIP framing. Every wait has a deadline; the token is sent
// as clarad expects (UDP: a bundle led by /clara/auth; TCP: /clara/auth first).
// Not thread-safe: one thread owns a client.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "core/osc/osc_packet.hpp"

namespace clara::ctl {

enum class Transport { udp, tcp, slip };

struct Target {
  std::string host = "127.0.0.1";  // a name or an IPv4/IPv6 address
  std::uint16_t port = 9000;
  Transport transport = Transport::udp;
  std::chrono::milliseconds timeout{1000};  // for connecting, and for each reply
  std::optional<std::string> token;         // never printed
};

// "udp 127.0.0.1:9000", "tcp [::1]:9000 (SLIP)": what error messages name.
std::string describe(const Target& target);

// Nothing answering: no reply before the deadline, a refused connection, a host
// that does not resolve, a stream clarad closed. `clara ctl` exits 69 on it.
struct Unavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// clarad answered /clara/error; what() is its reason. `clara ctl` exits 65 on it.
struct Refused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class OscClient {
 public:
  using Clock = std::chrono::steady_clock;

  // Resolves the host and connects (TCP: within target.timeout, then authenticates when
  // there is a token). Throws Unavailable, or Refused when clarad refuses the token.
  explicit OscClient(Target target);
  ~OscClient();
  OscClient(const OscClient&) = delete;
  OscClient& operator=(const OscClient&) = delete;

  const Target& target() const { return target_; }

  // Sends one message (over UDP with a token: in a bundle after /clara/auth).
  void send(const osc::Message& message);

  // The next message received before `deadline`, or nullopt (timeout, or a stop signal
  // when stop_on_signals() was called). Bundles arrive flattened, message by message.
  // Throws Unavailable when the connection is refused or closed.
  std::optional<osc::Message> receive(Clock::time_point deadline);

  // Sends `request` and waits up to target.timeout for the message for which
  // `answers(reply)` holds; other messages (pushes to a subscriber, late replies) are
  // skipped. Throws Unavailable on no such reply.
  osc::Message request(const osc::Message& request, const std::function<bool(const osc::Message&)>& answers);

  // From now on SIGINT and SIGTERM end a receive() early and set stopped(); for `watch`.
  void stop_on_signals();
  bool stopped() const { return stopped_; }

 private:
  struct Io;
  void authenticate();
  std::string no_reply_message() const;

  Target target_;
  std::unique_ptr<Io> io_;
  std::deque<osc::Message> inbox_;
  bool stopped_ = false;
};

}  // namespace clara::ctl
