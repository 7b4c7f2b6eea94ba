#pragma once
// clarad's OSC address space: from a decoded message to a change through the
// ControlHub, and the replies. Every argument is checked here (count, type,
// NaN, ±Inf, range); a refusal is an `/clara/error <address> <reason>` reply
// and changes nothing. Transport-free: the server (osc_server) feeds it.
// docs/osc.md documents every address; /clara/list returns the table below.
#include <cstdint>
#include <string>
#include <vector>

#include "core/osc/osc_packet.hpp"
#include "daemon/control/control_hub.hpp"

namespace clara::daemon {

struct OscAddress {
  const char* address;
  const char* types;  // as documented: f takes any number (i, h, f, d), i an integral one
  const char* help;
};
// Every address, in the order /clara/list and docs/osc.md give them.
const std::vector<OscAddress>& osc_addresses();

struct OscOutcome {
  std::vector<osc::Message> replies;  // to the sender
  enum class Subscription { none, subscribe, unsubscribe } subscription = Subscription::none;
  // UDP: the pushes go to this port of the sender's address (0: the port it sent from), for
  // apps and tools that listen on a port of their own (TouchOSC, oscdump).
  int push_port = 0;
};

class OscAddressSpace {
 public:
  explicit OscAddressSpace(ControlHub& hub) : hub_(hub) {}
  // One message; due_ns is when its bundle asked it to apply (0 = now).
  OscOutcome handle(const osc::Message& message, std::int64_t due_ns = 0);

 private:
  ControlHub& hub_;
};

// The reply builders, shared with the server.
osc::Message ok_reply(const std::string& address);
osc::Message error_reply(const std::string& address, const std::string& reason);
osc::Message value_message(const std::string& key, const osc::Value& value);

}  // namespace clara::daemon
