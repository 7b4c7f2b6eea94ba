#pragma once
// What a MIDI input's real-time callback hands the inference thread: a bounded single-producer,
// single-consumer queue of timed messages that counts what it carried, what it dropped when
// full, and the most it ever held. That high-water mark goes out in /clara/metrics, so that a
// user sees how close a burst (a controller sweep, a MIDI Clock at 300 bpm, a stalled inference
// thread) came to dropping the human's notes before it does.
#include <boost/lockfree/spsc_queue.hpp>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/midi/timed_message.hpp"
#include "daemon/midi/high_water_mark.hpp"

namespace clara::daemon {

class InputQueue {
 public:
  static constexpr std::size_t kCapacity = 4096;

  // Producer (one thread). false: the queue was full and the message is dropped (and counted).
  // realtime-safe.
  bool push(const TimedMessage& m) {
    messages_.fetch_add(1, std::memory_order_relaxed);
    if (!queue_.push(m)) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    high_water_.note(kCapacity - queue_.write_available());
    return true;
  }

  // Consumer (one thread).
  bool pop(TimedMessage& m) { return queue_.pop(m); }
  // The oldest message, or nullptr when empty; valid until the next pop. Consumer only.
  const TimedMessage* peek() { return queue_.read_available() > 0 ? &queue_.front() : nullptr; }

  // Any thread.
  std::uint64_t messages() const { return messages_.load(std::memory_order_relaxed); }
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  std::size_t high_water() const { return high_water_.get(); }

 private:
  boost::lockfree::spsc_queue<TimedMessage, boost::lockfree::capacity<kCapacity>> queue_;
  std::atomic<std::uint64_t> messages_{0}, dropped_{0};
  HighWaterMark high_water_;
};

}  // namespace clara::daemon
