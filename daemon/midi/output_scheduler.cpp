#include "daemon/midi/output_scheduler.hpp"

#include <limits>

namespace clara::daemon {

OutputScheduler::OutputScheduler(std::span<const OutputPortSettings> ports,
                                 std::uint16_t startup_panic_channels)
    : startup_extra_(startup_panic_channels), caps_(ports) {}

OutputScheduler::Admission OutputScheduler::accept(const TimedMessage& m, std::uint32_t epoch) {
  if (epoch_before(epoch, panic_handled_) && !survives_panic(m.msg)) return Admission::stale;
  if (m.msg.is_note_on() && pending_.size() >= kNoteOnHighWater) {
    refused_note_ons_.fetch_add(1, std::memory_order_relaxed);
    return Admission::refused;
  }
  if (!pending_.insert(QueuedMessage{m.time_ns, m.msg, m.port, epoch})) return Admission::full;
  return Admission::taken;
}

std::int64_t OutputScheduler::next_due_ns() const {
  std::int64_t t = std::numeric_limits<std::int64_t>::max();
  if (!pending_.empty()) t = pending_.front().time_ns;
  if (!caps_.forced_empty()) t = std::min(t, caps_.forced_front().time_ns);
  return t;
}

bool OutputScheduler::admit(const TimedMessage& m) {
  // MIDI Clock out: no tick after a Stop until the next Start or Continue, so that the ticks
  // committed ahead of a stop never reach a slave after it.
  if (m.msg.status == 0xFC) clock_stopped_ = true;
  if (m.msg.status == 0xFA || m.msg.status == 0xFB) clock_stopped_ = false;
  if (m.msg.status == 0xF8 && clock_stopped_) return false;
  switch (caps_.admit(m)) {
    case OutputCaps::Verdict::write: return true;
    case OutputCaps::Verdict::swallow: return false;
    case OutputCaps::Verdict::drop: break;
  }
  dropped_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void OutputScheduler::write_failed(std::int64_t due_ns, int port, ShortMessage m) {
  // emit_due() stops while the retry buffer is full, so a note-off finds room here.
  if (ends_sound(m) && retry_.insert(TimedMessage{due_ns, m, static_cast<std::uint8_t>(port)})) {
    retried_note_offs_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (m.is_note_on()) caps_.unwrite_note_on(TimedMessage{due_ns, m, static_cast<std::uint8_t>(port)});
  write_failed_.fetch_add(1, std::memory_order_relaxed);
}

OutputStats OutputScheduler::stats() const {
  OutputStats s;
  onset_.fill(s);
  s.dropped = dropped_.load(std::memory_order_relaxed);
  s.refused_note_ons = refused_note_ons_.load(std::memory_order_relaxed);
  s.retried_note_offs = retried_note_offs_.load(std::memory_order_relaxed);
  s.write_failed = write_failed_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace clara::daemon
