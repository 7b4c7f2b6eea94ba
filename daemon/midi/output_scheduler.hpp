#pragma once
// The real-time core of MIDI output, shared by the JACK process callback and the
// ALSA clock thread, and free of any MIDI system so that it can be tested alone.
// It takes what the inference thread committed off the OutputQueue, holds it
// until it is due, writes it in time order, enforces the per-port caps
// (output_caps.hpp), keeps the NoteLedger that makes the panic possible, and
// counts lateness and onset error (onset_stats.hpp).
//
// What it guarantees for notes:
//  - a panic ends everything: nothing pushed before the panic was requested is
//    written after it (messages carry the panic epoch they were pushed in);
//  - a note-off is never dropped: note-ons are refused above a high-water mark
//    of the pending buffer, a message with no room stays in the queue, and a
//    note-off whose port write failed is written again first in the next cycle;
//  - no MIDI Clock tick goes out after a Stop (until a Start or Continue): a clock committed
//    ahead of a stop never reaches a slave after it;
//  - the ledger holds what was written: a note-on whose write failed is not
//    in it (and its note-off is swallowed), a panic cut short by a full port
//    buffer goes on in the next cycle before anything else.
//
// Threading: accept(), drain(), run_cycle(), run_now() and next_due_ns() belong
// to the one real-time thread that owns output; request_panic(), panic_epoch(),
// panic_done(), count_refused_note_on() and stats() may be called from any
// thread. Nothing here allocates, locks, logs or throws after construction.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <type_traits>

#include "core/midi/note_ledger.hpp"
#include "core/midi/timed_message.hpp"
#include "daemon/midi/midi_backend.hpp"
#include "daemon/midi/onset_stats.hpp"
#include "daemon/midi/output_caps.hpp"
#include "daemon/midi/output_queue.hpp"
#include "daemon/midi/sorted_buffer.hpp"

namespace clara::daemon {

class OutputScheduler {
 public:
  static constexpr std::size_t kCapacity = 4096;
  static_assert(OutputCaps::kForcedCapacity == kCapacity);
  // Above this many pending messages note-ons are refused, so that the rest of
  // the buffer is there for the note-offs of the notes that did start.
  static constexpr std::size_t kNoteOnHighWater = kCapacity - kCapacity / 4;
  // Note-offs (and controllers that end sound) whose write failed, kept for the next cycle.
  static constexpr std::size_t kRetryCapacity = 1024;
  static constexpr int kMaxPorts = OutputCaps::kMaxPorts;
  static constexpr std::size_t kHistogramBins = OnsetStats::kHistogramBins;

  enum class Admission {
    taken,
    refused,  // a note-on above the high-water mark: counted, never written
    full,     // no room: the caller keeps it (drain() leaves it queued)
    stale,    // pushed before a panic that has been written: never to sound
  };

  // One entry per output port (at most kMaxPorts; extra entries are ignored).
  // Messages for a port without an entry are dropped and counted.
  OutputScheduler(std::span<const OutputPortSettings> ports, std::uint16_t startup_panic_channels);

  // Takes a message committed by the inference thread (time_ns = due time)
  // that was pushed in panic epoch `epoch` (panic_epoch() at the push). realtime-safe.
  Admission accept(const TimedMessage& m, std::uint32_t epoch);
  Admission accept(const TimedMessage& m) { return accept(m, panic_epoch()); }

  // Moves messages from the queue (peek(QueuedMessage&) -> bool, pop()) into
  // the pending buffer, oldest first. Stops, leaving the message queued, when
  // there is no room for it, or when it was pushed after a panic this side has
  // not written yet (the next cycle writes that panic first). realtime-safe.
  template <class Queue>
  void drain(Queue& queue);

  // JACK: first any panic, then drains `queue`, writes last cycle's failed
  // note-offs at frame 0, then everything due before cycle_end_ns, in time
  // order, as sink(int port, std::uint32_t frame, ShortMessage) -> bool
  // (false: not written; a sink returning void always writes). The frame is
  // the message's position in [cycle_start_ns, cycle_end_ns) scaled to
  // nframes. Anything due before cycle_start_ns is late: frame 0, counted. A
  // requested panic (and, in the first cycle, the start-up panic) goes first,
  // at frame 0; a panic that did not fit goes on next cycle, and nothing else
  // is written until it is out. realtime-safe when the sink is.
  template <class Queue, class Sink>
  void run_cycle(Queue& queue, std::int64_t cycle_start_ns, std::int64_t cycle_end_ns,
                 std::uint32_t nframes, Sink&& sink);
  template <class Sink>
  void run_cycle(std::int64_t cycle_start_ns, std::int64_t cycle_end_ns, std::uint32_t nframes, Sink&& sink) {
    NoQueue none;
    run_cycle(none, cycle_start_ns, cycle_end_ns, nframes, sink);
  }

  // ALSA: the same, sending everything due at or before now_ns as
  // sink(port, 0, msg); a message is late when sent more than late_after_ns
  // after its due time. realtime-safe when the sink is.
  template <class Queue, class Sink>
  void run_now(Queue& queue, std::int64_t now_ns, std::int64_t late_after_ns, Sink&& sink);
  template <class Sink>
  void run_now(std::int64_t now_ns, std::int64_t late_after_ns, Sink&& sink) {
    NoQueue none;
    run_now(none, now_ns, late_after_ns, sink);
  }

  // Earliest due time still held (a forced note end included), or INT64_MAX.
  // Failed writes waiting for a retry are not in it: they go at the next cycle
  // or tick, not in a tight loop against a port that refuses them.
  std::int64_t next_due_ns() const;

  // Any thread: the next cycle drops everything pushed before this call and ends every note.
  void request_panic() { panic_requested_.fetch_add(1, std::memory_order_acq_rel); }
  // Any thread: the same, and CC64 0, CC123, CC120 on `reset_channels` (a bit mask) of every
  // port whether Clara used them or not, as at start-up: a synth that was unplugged, or a server
  // that restarted, may hold notes whose note-offs never reached it.
  void request_panic(std::uint16_t reset_channels) {
    reset_channels_.fetch_or(reset_channels, std::memory_order_acq_rel);
    request_panic();
  }
  // Any thread: the epoch to stamp on a message pushed now. Read before the
  // push; a panic requested after this read (and so after the push) does not
  // drop the message, one requested before it does.
  std::uint32_t panic_epoch() const { return panic_requested_.load(std::memory_order_acquire); }
  bool panic_done() const {
    return panic_done_.load(std::memory_order_acquire) ==
           panic_requested_.load(std::memory_order_acquire);
  }
  bool startup_panic_done() const { return startup_done_.load(std::memory_order_acquire); }

  // Before the first cycle only (not thread-safe): keys a crashed run left sounding (its
  // persisted ledger), so that the start-up panic ends each with a note-off before its controller
  // resets. Ports without an entry are ignored.
  void recover_sounding(int port, int channel, int key, int depth) {
    if (port < 0 || port >= caps_.port_count()) return;
    for (int d = 0; d < depth; ++d)
      ledger_.record(port, ShortMessage{static_cast<std::uint8_t>(0x90 | (channel & 0x0F)),
                                        static_cast<std::uint8_t>(key & 0x7F), 64});
  }

  // Counts a note-on the backend's queue refused above its high-water mark.
  void count_refused_note_on() { refused_note_ons_.fetch_add(1, std::memory_order_relaxed); }

  // Output figures (input_* left at zero: the backend owns those).
  OutputStats stats() const;
  // For tests and the ledger check: the ledger as the real-time side sees it.
  // Only meaningful from the owning thread or once it has stopped.
  const NoteLedger& ledger() const { return ledger_; }
  std::size_t retries_waiting() const { return retry_.size(); }

 private:
  struct NoQueue {
    bool peek(QueuedMessage&) const { return false; }
    void pop() {}
  };

  // Calls the sink; a sink returning void always writes.
  template <class Sink>
  static bool write(Sink& sink, int port, std::uint32_t frame, ShortMessage m) {
    if constexpr (std::is_void_v<std::invoke_result_t<Sink&, int, std::uint32_t, ShortMessage>>) {
      sink(port, frame, m);
      return true;
    } else {
      return static_cast<bool>(sink(port, frame, m));
    }
  }
  // A MIDI Stop (Clara as clock master) is not dropped by a panic: it stops a slave, as the panic
  // stops her notes, and clarad's own stop pushes it just before the stop's panic.
  static bool survives_panic(ShortMessage m) { return m.status == 0xFC; }
  // Messages that end sound: losing one leaves a note or the pedal hanging.
  static bool ends_sound(ShortMessage m) {
    return m.is_note_off() || (m.is_control(64) && m.data2 < 64) || m.is_control(120) || m.is_control(123);
  }

  // Applies the caps to an upstream message; returns false when it is not to be written.
  bool admit(const TimedMessage& m);
  // A write the sink refused: note-offs wait for the next cycle, anything else is lost and counted.
  void write_failed(std::int64_t due_ns, int port, ShortMessage m);

  // Returns false while a panic is still being written.
  template <class Sink>
  bool handle_panics(Sink& sink);
  template <class Sink>
  void write_retries(Sink& sink, std::int64_t written_ns, std::int64_t late_after_ns);
  template <class Emit>
  void emit_due(std::int64_t limit_ns, bool inclusive, Emit&& emit);

  std::uint16_t startup_extra_ = 0;  // start-up panic channels not yet handed to the ledger
  bool panic_writing_ = true;        // the start-up panic, then any requested one, until it is out
  std::uint32_t panic_handled_ = 0;
  bool clock_stopped_ = false;  // a MIDI Stop was written and no Start or Continue since
  // The end of the last cycle (JACK) or the last tick (ALSA): what was due before it and is
  // written late now was not there in time.
  std::int64_t last_end_ns_ = std::numeric_limits<std::int64_t>::min();
  OutputCaps caps_;
  SortedBuffer<QueuedMessage, kCapacity> pending_;
  SortedBuffer<TimedMessage, kRetryCapacity> retry_;
  NoteLedger ledger_;
  OnsetStats onset_;

  std::atomic<std::uint32_t> panic_requested_{0};
  std::atomic<std::uint16_t> reset_channels_{0};  // for the next requested panic
  std::atomic<std::uint32_t> panic_done_{0};
  std::atomic<bool> startup_done_{false};
  std::atomic<std::uint64_t> dropped_{0}, refused_note_ons_{0}, retried_note_offs_{0}, write_failed_{0};
};

template <class Queue>
void OutputScheduler::drain(Queue& queue) {
  QueuedMessage q;
  while (queue.peek(q)) {
    if (epoch_before(panic_handled_, q.epoch)) return;
    if (accept(q.timed(), q.epoch) == Admission::full) return;
    queue.pop();
  }
}

template <class Sink>
bool OutputScheduler::handle_panics(Sink& sink) {
  const std::uint32_t requested = panic_requested_.load(std::memory_order_acquire);
  if (requested != panic_handled_) {
    // Pushed before the request: never to sound. Pushed after it but already
    // drained (the request came while this side was draining): kept.
    pending_.remove_if([&](const QueuedMessage& q) { return epoch_before(q.epoch, requested) && !survives_panic(q.msg); });
    caps_.reset();
    // What a waiting note-off would end is still in the ledger: the panic ends it.
    retry_.clear();
    startup_extra_ = static_cast<std::uint16_t>(startup_extra_ | reset_channels_.exchange(0, std::memory_order_acq_rel));
    panic_handled_ = requested;
    panic_writing_ = true;
  }
  if (!panic_writing_) return true;
  bool complete = true;
  for (int p = 0; p < caps_.port_count(); ++p)
    if (!ledger_.panic(p, [&](ShortMessage m) { return write(sink, p, 0u, m); }, startup_extra_))
      complete = false;
  startup_extra_ = 0;  // the ledger keeps what it could not reset yet
  if (!complete) return false;
  panic_writing_ = false;
  startup_done_.store(true, std::memory_order_release);
  panic_done_.store(panic_handled_, std::memory_order_release);
  return true;
}

template <class Sink>
void OutputScheduler::write_retries(Sink& sink, std::int64_t written_ns, std::int64_t late_after_ns) {
  while (!retry_.empty()) {
    const TimedMessage r = retry_.front();
    if (!write(sink, r.port, 0u, r.msg)) return;  // the port is still full: next cycle
    retry_.pop_front();
    ledger_.record(r.port, r.msg);
    onset_.record(r.time_ns, written_ns, written_ns - r.time_ns > late_after_ns ? LateCause::retry : LateCause::none);
  }
}

// Pops, in time order, every pending message and forced note end due before
// limit_ns (or at it, when inclusive), calling emit(due_ns, port, msg) for those
// that are to be written. A forced end goes before an upstream message due at
// the same moment, so the upstream note-off it replaces is recognised. Stops
// while the retry buffer is full, so that a failed note-off always has a place.
template <class Emit>
void OutputScheduler::emit_due(std::int64_t limit_ns, bool inclusive, Emit&& emit) {
  auto due = [&](std::int64_t t) { return inclusive ? t <= limit_ns : t < limit_ns; };
  for (;;) {
    if (retry_.full()) return;
    const bool have_forced = !caps_.forced_empty() && due(caps_.forced_front().time_ns);
    const bool have_pending = !pending_.empty() && due(pending_.front().time_ns);
    if (!have_forced && !have_pending) return;
    if (have_forced && (!have_pending || caps_.forced_front().time_ns <= pending_.front().time_ns)) {
      const ForcedOff f = caps_.forced_front();
      caps_.pop_forced();
      if (caps_.admit_forced(f))
        emit(f.time_ns, static_cast<int>(f.port),
             ShortMessage{static_cast<std::uint8_t>(0x80 | f.channel), f.key, 0});
    } else {
      const TimedMessage m = pending_.front().timed();
      pending_.pop_front();
      if (admit(m)) emit(m.time_ns, static_cast<int>(m.port), m.msg);
    }
  }
}

template <class Queue, class Sink>
void OutputScheduler::run_cycle(Queue& queue, std::int64_t cycle_start_ns, std::int64_t cycle_end_ns,
                                std::uint32_t nframes, Sink&& sink) {
  if (!handle_panics(sink)) return;
  drain(queue);
  write_retries(sink, cycle_start_ns, 0);
  const std::int64_t span = std::max<std::int64_t>(cycle_end_ns - cycle_start_ns, 1);
  const std::uint32_t last_frame = nframes > 0 ? nframes - 1 : 0;
  emit_due(cycle_end_ns, false, [&](std::int64_t due_ns, int port, ShortMessage m) {
    std::uint32_t frame = 0;
    std::int64_t written_ns = cycle_start_ns;
    const bool late = due_ns < cycle_start_ns;
    if (!late) {
      // 128-bit free: spans are a JACK period (< 1 s) and frames < 2^16.
      const auto f = static_cast<std::uint32_t>((due_ns - cycle_start_ns) *
                                                static_cast<std::int64_t>(nframes) / span);
      frame = std::min(f, last_frame);
      written_ns = cycle_start_ns + static_cast<std::int64_t>(frame) * span /
                                        std::max<std::int64_t>(nframes, 1);
    }
    if (!write(sink, port, frame, m)) return write_failed(due_ns, port, m);
    ledger_.record(port, m);
    // Due before the last cycle ended, it would have gone then had it been there: committed late.
    // Due after it, in the gap before this one: the cycle came late.
    onset_.record(due_ns, written_ns,
                  !late ? LateCause::none : due_ns < last_end_ns_ ? LateCause::commit : LateCause::cycle);
  });
  last_end_ns_ = cycle_end_ns;
}

template <class Queue, class Sink>
void OutputScheduler::run_now(Queue& queue, std::int64_t now_ns, std::int64_t late_after_ns, Sink&& sink) {
  if (!handle_panics(sink)) return;
  drain(queue);
  write_retries(sink, now_ns, late_after_ns);
  emit_due(now_ns, true, [&](std::int64_t due_ns, int port, ShortMessage m) {
    if (!write(sink, port, 0u, m)) return write_failed(due_ns, port, m);
    ledger_.record(port, m);
    // As in run_cycle: due at or before the last tick and not sent then, it came late; due after
    // it, this tick woke too late to send it in time.
    const bool late = now_ns - due_ns > late_after_ns;
    onset_.record(due_ns, now_ns,
                  !late ? LateCause::none : due_ns <= last_end_ns_ ? LateCause::commit : LateCause::cycle);
  });
  last_end_ns_ = now_ns;
}

}  // namespace clara::daemon
