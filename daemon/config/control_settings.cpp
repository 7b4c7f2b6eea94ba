#include "daemon/config/control_settings.hpp"

#include <arpa/inet.h>

#include <array>
#include <cstring>
#include <stdexcept>

#include "daemon/config/cc_bindings.hpp"
#include "daemon/config/setting_limits.hpp"
#include "daemon/config/settings_error.hpp"

namespace clara::daemon {

namespace {

void check(const std::string& key, std::int64_t v, const IntRange& r) {
  if (!r.contains(v)) throw SettingsError(key + " " + std::to_string(v) + ": must be in " + r.text());
}

}  // namespace

std::string_view to_string(OscFraming framing) {
  switch (framing) {
    case OscFraming::detect:
      return "detect";
    case OscFraming::size:
      return "size";
    case OscFraming::slip:
      return "slip";
  }
  return "?";
}

OscFraming parse_osc_framing(std::string_view name) {
  for (OscFraming f : {OscFraming::detect, OscFraming::size, OscFraming::slip})
    if (name == to_string(f)) return f;
  throw std::invalid_argument("framing '" + std::string(name) + "': use detect, size or slip");
}

bool is_ip_literal(const std::string& address) {
  std::array<unsigned char, 16> buf{};
  return ::inet_pton(AF_INET, address.c_str(), buf.data()) == 1 ||
         ::inet_pton(AF_INET6, address.c_str(), buf.data()) == 1;
}

bool is_loopback_address(const std::string& address) {
  std::array<unsigned char, 16> a{};
  if (::inet_pton(AF_INET, address.c_str(), a.data()) == 1) return a[0] == 127;
  if (::inet_pton(AF_INET6, address.c_str(), a.data()) != 1) return false;
  static constexpr std::array<unsigned char, 16> loopback{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  static constexpr std::array<unsigned char, 12> v4_mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (a == loopback) return true;
  return std::memcmp(a.data(), v4_mapped.data(), v4_mapped.size()) == 0 && a[12] == 127;
}

void ControlSettings::validate() const {
  check("control.bind address count", static_cast<std::int64_t>(bind.size()), limits::bind_addresses);
  for (std::size_t i = 0; i < bind.size(); ++i) {
    const std::string where = "control.bind[" + std::to_string(i) + "] '" + bind[i] + "'";
    if (!is_ip_literal(bind[i]))
      throw SettingsError(where + ": not an IP address (an IPv4 or IPv6 literal, e.g. 127.0.0.1, ::1, 0.0.0.0)");
    for (std::size_t j = 0; j < i; ++j)
      if (bind[j] == bind[i])
        throw SettingsError(where + ": listed twice (also control.bind[" + std::to_string(j) + "])");
  }
  check("control.udp_port", udp_port, limits::port);
  check("control.tcp_port", tcp_port, limits::port);
  check("control.max_tcp_connections", max_tcp_connections, limits::max_tcp_connections);
  check("control.idle_timeout_s", idle_timeout_s, limits::idle_timeout_s);
  check("control.max_subscribers", max_subscribers, limits::max_subscribers);
  check("control.tcp_buffer_bytes", tcp_buffer_bytes, limits::tcp_buffer_bytes);
  check("control.auth_failures_per_s", auth_failures_per_s, limits::auth_failures_per_s);
  // Neither the token nor its length is printed: both help whoever guesses it.
  if (!token.empty() && token.size() < static_cast<std::size_t>(limits::min_token_length))
    throw SettingsError("control.token: shorter than " + std::to_string(limits::min_token_length) +
                        " characters, easy to guess by trying; use a longer one (e.g. from `openssl rand -hex 16`)");
  if (!learn.empty() && !find_cc_control(learn))
    throw SettingsError("control.learn '" + learn + "': not a control; use one of " + cc_control_names());
}

void ControlSettings::check_exposure() const {
  if (token.empty() && enabled())
    for (const auto& a : bind)
      if (!is_loopback_address(a))
        throw SettingsError(
            "control.bind '" + a +
                "' is not a loopback address and control.token is empty: anyone who can reach it could stop, "
                "silence or retune Clara. Set control.token (" +
                std::to_string(limits::min_token_length) +
                " characters or more), bind only 127.0.0.1 / ::1, or turn OSC off (--no-osc); refusing to start",
            SettingsError::kConfig);
}

}  // namespace clara::daemon
