#pragma once
// The real-time core of MIDI output, shared by the JACK process callback and the
// ALSA clock thread, and free of any MIDI system so that it can be tested alone.
// It holds what the inference thread committed until it is due, writes it in time
// order, enforces the per-port caps (output_caps.hpp), keeps the NoteLedger that
// makes the panic possible, and counts lateness and onset error (onset_stats.hpp).
//
// Threading: accept(), run_cycle(), run_now() and next_due_ns() belong to the one
// real-time thread that owns output; request_panic(), panic_done() and stats()
// may be called from any thread. Nothing here allocates, locks, logs or throws
// after construction.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/midi/note_ledger.hpp"
#include "core/midi/timed_message.hpp"
#include "daemon/midi/midi_backend.hpp"
#include "daemon/midi/onset_stats.hpp"
#include "daemon/midi/output_caps.hpp"
#include "daemon/midi/sorted_buffer.hpp"

namespace clara::daemon {

class OutputScheduler {
 public:
  static constexpr std::size_t kCapacity = 4096;
  static_assert(OutputCaps::kForcedCapacity == kCapacity);
  static constexpr int kMaxPorts = OutputCaps::kMaxPorts;
  static constexpr std::size_t kHistogramBins = OnsetStats::kHistogramBins;

  // One entry per output port (at most kMaxPorts; extra entries are ignored).
  // Messages for a port without an entry are dropped and counted.
  OutputScheduler(std::span<const OutputPortSettings> ports, std::uint16_t startup_panic_channels);

  // Takes a message committed by the inference thread (time_ns = due time).
  // Returns false, counting a drop, when the pending buffer is full.
  bool accept(const TimedMessage& m);

  // JACK: writes everything due before cycle_end_ns, in time order, as
  // sink(int port, std::uint32_t frame, ShortMessage); the frame is the
  // message's position in [cycle_start_ns, cycle_end_ns) scaled to nframes.
  // Anything due before cycle_start_ns is late: frame 0, counted. A requested
  // panic (and, in the first cycle, the start-up panic) goes first, at frame 0.
  template <class Sink>
  void run_cycle(std::int64_t cycle_start_ns, std::int64_t cycle_end_ns, std::uint32_t nframes,
                 Sink&& sink);

  // ALSA: sends everything due at or before now_ns as sink(port, 0, msg); a
  // message is late when sent more than late_after_ns after its due time.
  template <class Sink>
  void run_now(std::int64_t now_ns, std::int64_t late_after_ns, Sink&& sink);

  // Earliest due time still held (a forced note end included), or INT64_MAX.
  std::int64_t next_due_ns() const;

  // Any thread: the next cycle drops everything pending and ends every note.
  void request_panic() { panic_requested_.fetch_add(1, std::memory_order_acq_rel); }
  bool panic_done() const {
    return panic_done_.load(std::memory_order_acquire) ==
           panic_requested_.load(std::memory_order_acquire);
  }
  bool startup_panic_done() const { return startup_done_.load(std::memory_order_acquire); }

  // Counts a message the caller could not hand over (its queue was full).
  void count_dropped() { dropped_.fetch_add(1, std::memory_order_relaxed); }

  // Output figures (input_* left at zero: the backend owns those).
  OutputStats stats() const;
  // For tests and the ledger check: the ledger as the real-time side sees it.
  // Only meaningful from the owning thread or once it has stopped.
  const NoteLedger& ledger() const { return ledger_; }

 private:
  // Applies the caps to an upstream message; returns false when it is not to be written.
  bool admit(const TimedMessage& m);

  template <class Sink>
  void handle_panics(Sink&& sink);
  template <class Emit>
  void emit_due(std::int64_t limit_ns, bool inclusive, Emit&& emit);

  std::uint16_t startup_channels_ = 0;
  bool startup_pending_ = true;
  std::uint32_t panic_handled_ = 0;
  OutputCaps caps_;
  SortedBuffer<TimedMessage, kCapacity> pending_;
  NoteLedger ledger_;
  OnsetStats onset_;

  std::atomic<std::uint32_t> panic_requested_{0};
  std::atomic<std::uint32_t> panic_done_{0};
  std::atomic<bool> startup_done_{false};
  std::atomic<std::uint64_t> dropped_{0};
};

template <class Sink>
void OutputScheduler::handle_panics(Sink&& sink) {
  const std::uint32_t requested = panic_requested_.load(std::memory_order_acquire);
  const bool panic = requested != panic_handled_;
  if (!panic && !startup_pending_) return;
  if (panic) {
    pending_.clear();
    caps_.reset();
  }
  for (int p = 0; p < caps_.port_count(); ++p)
    ledger_.panic(
        p, [&](ShortMessage m) { sink(p, 0u, m); }, startup_pending_ ? startup_channels_ : 0);
  if (startup_pending_) {
    startup_pending_ = false;
    startup_done_.store(true, std::memory_order_release);
  }
  if (panic) {
    panic_handled_ = requested;
    panic_done_.store(requested, std::memory_order_release);
  }
}

// Pops, in time order, every pending message and forced note end due before
// limit_ns (or at it, when inclusive), calling emit(due_ns, port, msg) for those
// that are to be written. A forced end goes before an upstream message due at
// the same moment, so the upstream note-off it replaces is recognised.
template <class Emit>
void OutputScheduler::emit_due(std::int64_t limit_ns, bool inclusive, Emit&& emit) {
  auto due = [&](std::int64_t t) { return inclusive ? t <= limit_ns : t < limit_ns; };
  for (;;) {
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
      const TimedMessage m = pending_.front();
      pending_.pop_front();
      if (admit(m)) emit(m.time_ns, static_cast<int>(m.port), m.msg);
    }
  }
}

template <class Sink>
void OutputScheduler::run_cycle(std::int64_t cycle_start_ns, std::int64_t cycle_end_ns,
                                std::uint32_t nframes, Sink&& sink) {
  handle_panics(sink);
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
    ledger_.record(port, m);
    sink(port, frame, m);
    onset_.record(due_ns, written_ns, late);
  });
}

template <class Sink>
void OutputScheduler::run_now(std::int64_t now_ns, std::int64_t late_after_ns, Sink&& sink) {
  handle_panics(sink);
  emit_due(now_ns, true, [&](std::int64_t due_ns, int port, ShortMessage m) {
    ledger_.record(port, m);
    sink(port, 0u, m);
    onset_.record(due_ns, now_ns, now_ns - due_ns > late_after_ns);
  });
}

}  // namespace clara::daemon
