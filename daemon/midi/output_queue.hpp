#pragma once
// The lock-free queue that carries what the inference thread committed to the
// real-time side that writes it (the JACK process callback or the ALSA clock
// thread). Two rules make it safe for the notes it carries:
//  - note-ons are refused once the queue is above its high-water mark, so the
//    last quarter of it is always free for note-offs and controllers: a note
//    that started can always be ended;
//  - every message carries the panic epoch it was pushed in (how many panics
//    had been requested before the push), so the real-time side can drop
//    exactly what was committed before a panic, whenever it drains it.
#include <boost/lockfree/spsc_queue.hpp>
#include <cstddef>
#include <cstdint>

#include "core/midi/timed_message.hpp"
#include "daemon/midi/high_water_mark.hpp"

namespace clara::daemon {

struct QueuedMessage {
  std::int64_t time_ns = 0;  // due time
  ShortMessage msg;
  std::uint8_t port = 0;
  std::uint32_t epoch = 0;  // panic requests made before it was pushed
  TimedMessage timed() const { return TimedMessage{time_ns, msg, port}; }
};

// Epochs wrap; an epoch is older than another when it is behind it by less than half the range.
inline bool epoch_before(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) < 0; }

class OutputQueue {
 public:
  static constexpr std::size_t kCapacity = 4096;
  // Free slots kept for everything but note-ons.
  static constexpr std::size_t kNoteOnReserve = kCapacity / 4;

  enum class Push { pushed, refused, full };

  // Producer (one thread). refused: a note-on above the high-water mark;
  // full: anything else, with no slot left. realtime-safe.
  Push push(const TimedMessage& m, std::uint32_t epoch) {
    if (m.msg.is_note_on() && queue_.write_available() <= kNoteOnReserve) return Push::refused;
    if (!queue_.push(QueuedMessage{m.time_ns, m.msg, m.port, epoch})) return Push::full;
    high_water_.note(kCapacity - queue_.write_available());
    return Push::pushed;
  }
  // The most messages the queue ever held (for /clara/metrics). Any thread.
  std::size_t high_water() const { return high_water_.get(); }

  // Consumer (one thread): the oldest message without taking it, then taking
  // it, so that a message the consumer has no room for stays queued. realtime-safe.
  bool peek(QueuedMessage& out) const {
    if (queue_.read_available() == 0) return false;
    out = queue_.front();
    return true;
  }
  void pop() { queue_.pop(); }

 private:
  // front() and read_available() are consumer calls boost declares non-const.
  mutable boost::lockfree::spsc_queue<QueuedMessage, boost::lockfree::capacity<kCapacity>> queue_;
  HighWaterMark high_water_;
};

}  // namespace clara::daemon
