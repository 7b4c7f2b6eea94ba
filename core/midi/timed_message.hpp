#pragma once
// A channel message with the moment it happened (input) or is due (output), on
// the backend's monotonic clock in nanoseconds (JACK's clock under JACK, so a
// frame time converts exactly). Fixed size: the element of the lock-free queues
// between the real-time side and the inference thread.
#include <cstdint>
#include <type_traits>

#include "core/midi/short_message.hpp"

namespace clara {

struct TimedMessage {
  std::int64_t time_ns = 0;
  ShortMessage msg;
  std::uint8_t port = 0;  // output port (routing); input port index on input
  bool operator==(const TimedMessage&) const = default;
};
static_assert(std::is_trivially_copyable_v<TimedMessage>);

}  // namespace clara
