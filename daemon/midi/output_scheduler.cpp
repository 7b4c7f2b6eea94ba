#include "daemon/midi/output_scheduler.hpp"

#include <limits>

namespace clara::daemon {

OutputScheduler::OutputScheduler(std::span<const OutputPortSettings> ports,
                                 std::uint16_t startup_panic_channels)
    : startup_channels_(startup_panic_channels), caps_(ports) {}

bool OutputScheduler::accept(const TimedMessage& m) {
  if (pending_.insert(m)) return true;
  dropped_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

std::int64_t OutputScheduler::next_due_ns() const {
  std::int64_t t = std::numeric_limits<std::int64_t>::max();
  if (!pending_.empty()) t = pending_.front().time_ns;
  if (!caps_.forced_empty()) t = std::min(t, caps_.forced_front().time_ns);
  return t;
}

bool OutputScheduler::admit(const TimedMessage& m) {
  switch (caps_.admit(m)) {
    case OutputCaps::Verdict::write: return true;
    case OutputCaps::Verdict::swallow: return false;
    case OutputCaps::Verdict::drop: break;
  }
  dropped_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

OutputStats OutputScheduler::stats() const {
  OutputStats s;
  onset_.fill(s);
  s.dropped = dropped_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace clara::daemon
