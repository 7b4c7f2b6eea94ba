#pragma once
// The real-time core of MIDI output, shared by the JACK process callback and the
// ALSA clock thread, and free of any MIDI system so that it can be tested alone.
// It holds what the inference thread committed until it is due, writes it in time
// order, enforces the per-port caps (maximum note length, polyphony), keeps the
// NoteLedger that makes the panic possible, and counts lateness and onset error.
//
// Threading: accept(), run_cycle(), run_now() and next_due_ns() belong to the one
// real-time thread that owns output; request_panic(), panic_done() and stats()
// may be called from any thread. Nothing here allocates, locks, logs or throws
// after construction.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

#include "core/midi/note_ledger.hpp"
#include "core/midi/timed_message.hpp"
#include "daemon/midi/midi_backend.hpp"

namespace clara::daemon {

// A fixed-capacity buffer kept sorted by `time_ns`, stable for equal times, so
// that messages due together leave in the order they were committed. Pops from
// the front move an index; the rare compaction happens only when the tail is full.
template <class T, std::size_t N>
class SortedBuffer {
 public:
  bool empty() const { return begin_ == end_; }
  std::size_t size() const { return end_ - begin_; }
  bool full() const { return size() == N; }
  const T& front() const { return items_[begin_]; }
  void pop_front() {
    if (++begin_ == end_) begin_ = end_ = 0;
  }
  void clear() { begin_ = end_ = 0; }
  bool insert(const T& item) {
    if (full()) return false;
    if (end_ == N) {
      std::move(items_.begin() + static_cast<std::ptrdiff_t>(begin_),
                items_.begin() + static_cast<std::ptrdiff_t>(end_), items_.begin());
      end_ -= begin_;
      begin_ = 0;
    }
    auto first = items_.begin() + static_cast<std::ptrdiff_t>(begin_);
    auto last = items_.begin() + static_cast<std::ptrdiff_t>(end_);
    auto at = std::upper_bound(first, last, item,
                               [](const T& a, const T& b) { return a.time_ns < b.time_ns; });
    std::move_backward(at, last, last + 1);
    *at = item;
    ++end_;
    return true;
  }

 private:
  std::array<T, N> items_{};
  std::size_t begin_ = 0, end_ = 0;
};

class OutputScheduler {
 public:
  static constexpr std::size_t kCapacity = 4096;
  static constexpr int kMaxPorts = NoteLedger::kMaxPorts;
  // Onset errors are binned per microsecond up to this bound; beyond it they
  // fall in the last bin (the exact maximum is kept separately).
  static constexpr std::size_t kHistogramBins = 4096;

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
  // What became of each note-on from upstream, until its note-off arrives.
  enum NoteState : std::uint8_t { kNone = 0, kSounding = 1, kDropped = 2, kEnded = 3 };
  static constexpr int kDepth = 16;  // overlapping note-ons of one key tracked per port
  struct KeyTrack {
    std::uint32_t states = 0;        // 2 bits per sequence number modulo kDepth
    std::uint16_t on_seq = 0;        // note-ons seen from upstream
    std::uint16_t off_seq = 0;       // note-offs seen from upstream (FIFO pairing)
  };
  struct PortState {
    std::int64_t max_note_ns = 0;  // 0 = no cap
    int max_polyphony = 0;
    int sounding = 0;                // notes (not keys) sounding on the port
    std::array<KeyTrack, 16 * 128> keys{};
  };
  struct ForcedOff {
    std::int64_t time_ns = 0;
    std::uint8_t port = 0, channel = 0, key = 0;
    std::uint16_t seq = 0;
  };

  static NoteState state_of(const KeyTrack& k, std::uint16_t seq) {
    return static_cast<NoteState>((k.states >> (2 * (seq % kDepth))) & 3u);
  }
  static void set_state(KeyTrack& k, std::uint16_t seq, NoteState s) {
    const unsigned shift = 2 * (seq % kDepth);
    k.states = (k.states & ~(3u << shift)) | (static_cast<std::uint32_t>(s) << shift);
  }

  // Decides what an upstream message becomes; returns false when it is swallowed.
  bool admit(const TimedMessage& m);
  bool admit_forced(const ForcedOff& f);
  void reset_tracking();
  void record_written(std::int64_t due_ns, std::int64_t written_ns, bool late);
  void note_forced_drop() { dropped_.fetch_add(1, std::memory_order_relaxed); }

  template <class Sink>
  void handle_panics(Sink&& sink);
  template <class Emit>
  void emit_due(std::int64_t limit_ns, bool inclusive, Emit&& emit);

  int port_count_ = 0;
  std::uint16_t startup_channels_ = 0;
  bool startup_pending_ = true;
  std::uint32_t panic_handled_ = 0;
  std::array<PortState, kMaxPorts> ports_{};
  SortedBuffer<TimedMessage, kCapacity> pending_;
  SortedBuffer<ForcedOff, kCapacity> forced_;
  NoteLedger ledger_;

  std::atomic<std::uint32_t> panic_requested_{0};
  std::atomic<std::uint32_t> panic_done_{0};
  std::atomic<bool> startup_done_{false};
  std::atomic<std::uint64_t> messages_{0}, late_{0}, dropped_{0};
  std::atomic<std::int64_t> max_late_ns_{0}, onset_max_ns_{0};
  std::array<std::atomic<std::uint64_t>, kHistogramBins> histogram_{};
};

template <class Sink>
void OutputScheduler::handle_panics(Sink&& sink) {
  const std::uint32_t requested = panic_requested_.load(std::memory_order_acquire);
  const bool panic = requested != panic_handled_;
  if (!panic && !startup_pending_) return;
  if (panic) {
    pending_.clear();
    forced_.clear();
    reset_tracking();
  }
  for (int p = 0; p < port_count_; ++p)
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
    const bool have_forced = !forced_.empty() && due(forced_.front().time_ns);
    const bool have_pending = !pending_.empty() && due(pending_.front().time_ns);
    if (!have_forced && !have_pending) return;
    if (have_forced && (!have_pending || forced_.front().time_ns <= pending_.front().time_ns)) {
      const ForcedOff f = forced_.front();
      forced_.pop_front();
      if (admit_forced(f))
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
    record_written(due_ns, written_ns, late);
  });
}

template <class Sink>
void OutputScheduler::run_now(std::int64_t now_ns, std::int64_t late_after_ns, Sink&& sink) {
  handle_panics(sink);
  emit_due(now_ns, true, [&](std::int64_t due_ns, int port, ShortMessage m) {
    ledger_.record(port, m);
    sink(port, 0u, m);
    record_written(due_ns, now_ns, now_ns - due_ns > late_after_ns);
  });
}

}  // namespace clara::daemon
