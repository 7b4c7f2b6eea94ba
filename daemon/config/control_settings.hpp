#pragma once
// [control]: where clarad listens for OSC and what it lets a client do. Off the loopback
// interface a token is required (validate() refuses to start without one, exit code 78),
// because a client can stop, silence and reconfigure Clara mid-performance.
#include <string>
#include <string_view>
#include <vector>

namespace clara::daemon {

// How OSC packets are delimited on a TCP stream (osc::Framing, core/osc/osc_stream.hpp).
enum class OscFraming {
  detect,  // each connection's first byte tells which of the two it speaks
  size,    // OSC 1.0: each packet after its big-endian int32 length
  slip,    // OSC 1.1: each packet SLIP-encoded (RFC 1055), 0xC0 between packets
};
std::string_view to_string(OscFraming framing);
// "detect", "size" or "slip"; std::invalid_argument listing them.
OscFraming parse_osc_framing(std::string_view name);

struct ControlSettings {
  std::vector<std::string> bind{"127.0.0.1", "::1"};  // IPv4/IPv6 literals to listen on
  int udp_port = 9000;                                // 0 = no UDP
  int tcp_port = 9000;                                // 0 = no TCP
  OscFraming framing = OscFraming::detect;
  // Clients send it before anything else is accepted; "" = no authentication. Never printed.
  std::string token;
  int max_tcp_connections = 16;
  int idle_timeout_s = 300;      // a TCP connection silent this long is closed
  int max_subscribers = 16;      // clients receiving state updates
  int tcp_buffer_bytes = 65536;  // per connection: the largest frame accepted
  int auth_failures_per_s = 5;   // per source address; failures beyond are dropped unanswered
  std::string learn;             // a control name: bind the first controller moved to it; "" = none

  bool enabled() const { return udp_port != 0 || tcp_port != 0; }
  bool operator==(const ControlSettings&) const = default;

  // Each value in range; SettingsError naming the key ("control.bind[2]"), never the token.
  void validate() const;
  // SettingsError with exit code 78 (EX_CONFIG) when OSC listens on an address other than
  // loopback without a token: values each valid, unsafe together.
  void check_exposure() const;
};

// Whether `address` is an IPv4 or IPv6 literal (inet_pton), as `bind` takes.
bool is_ip_literal(const std::string& address);
// 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104; false for anything else, literal or not.
bool is_loopback_address(const std::string& address);

}  // namespace clara::daemon
