#pragma once
// The per-port safety caps on what reaches a synthesiser: a maximum note length (the
// note's end is forced when upstream's comes too late or never) and a maximum polyphony.
// Kept apart from OutputScheduler's timing so that the note bookkeeping (which upstream
// note-off belongs to which note-on, and what became of it) can be read on its own.
// Real-time: fixed storage, nothing allocates after construction.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/midi/note_ledger.hpp"
#include "core/midi/timed_message.hpp"
#include "daemon/midi/midi_backend.hpp"
#include "daemon/midi/sorted_buffer.hpp"

namespace clara::daemon {

// A note end the length cap will write unless upstream ends the note first.
struct ForcedOff {
  std::int64_t time_ns = 0;
  std::uint8_t port = 0, channel = 0, key = 0;
  std::uint16_t seq = 0;
};

class OutputCaps {
 public:
  static constexpr int kMaxPorts = NoteLedger::kMaxPorts;
  // As many as OutputScheduler holds pending messages.
  static constexpr std::size_t kForcedCapacity = 4096;

  enum class Verdict { write, swallow, drop };  // drop: counted as dropped by the caller

  // One entry per output port (at most kMaxPorts; extra entries are ignored).
  explicit OutputCaps(std::span<const OutputPortSettings> ports);

  int port_count() const { return port_count_; }

  // Decides what an upstream message becomes; a note-on under a length cap
  // schedules its forced end.
  Verdict admit(const TimedMessage& m);
  // Whether a forced end that came due is still to be written.
  bool admit_forced(const ForcedOff& f);
  // A note-on admit() passed could not be written to the port: it never
  // sounded, so its upstream note-off is swallowed and its forced end skipped.
  // Call it before the next admit() for that key.
  void unwrite_note_on(const TimedMessage& m);

  bool forced_empty() const { return forced_.empty(); }
  const ForcedOff& forced_front() const { return forced_.front(); }
  void pop_forced() { forced_.pop_front(); }

  // After a panic: nothing of ours sounds and no forced end is due.
  void reset();

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

  static NoteState state_of(const KeyTrack& k, std::uint16_t seq) {
    return static_cast<NoteState>((k.states >> (2 * (seq % kDepth))) & 3u);
  }
  static void set_state(KeyTrack& k, std::uint16_t seq, NoteState s) {
    const unsigned shift = 2 * (seq % kDepth);
    k.states = (k.states & ~(3u << shift)) | (static_cast<std::uint32_t>(s) << shift);
  }

  int port_count_ = 0;
  std::array<PortState, kMaxPorts> ports_{};
  SortedBuffer<ForcedOff, kForcedCapacity> forced_;
};

}  // namespace clara::daemon
