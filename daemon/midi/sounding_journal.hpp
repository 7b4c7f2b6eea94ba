#pragma once
// The note-ons and note-offs the output side has written, handed from the real-time thread that
// writes them (the JACK process callback, the ALSA clock thread) to a thread that keeps them on
// disk (daemon/service/sounding_ledger.hpp), so that after a crash the next clarad knows exactly
// which notes were left sounding. The real-time side only pushes fixed-size records into a
// lock-free queue; a full queue loses the record and counts it (the start-up panic's controller
// resets still end such a note at the next start).
#include <atomic>
#include <boost/lockfree/spsc_queue.hpp>
#include <cstddef>
#include <cstdint>

#include "core/midi/short_message.hpp"

namespace clara::daemon {

// One key left sounding: what a crashed run's ledger file holds (channel 0..15 here, 1..16 in the file).
struct SoundingNote {
  int port = 0;
  int channel = 0;
  int key = 0;
  int depth = 1;  // note-ons not yet matched by a note-off
  bool operator==(const SoundingNote&) const = default;
};

struct JournalEntry {
  std::uint8_t port = 0;
  ShortMessage msg;
};

class SoundingJournal {
 public:
  static constexpr std::size_t kCapacity = 8192;

  // Producer: the one thread that writes output (one at a time: a JACK client re-opened after a
  // server restart runs its callback on a new thread, after the old one ended). Called for every
  // message written to a port; keeps note-ons and note-offs. realtime-safe.
  void written(int port, ShortMessage m) {
    if (!m.is_note_on() && !m.is_note_off()) return;
    if (!queue_.push(JournalEntry{static_cast<std::uint8_t>(port), m}))
      lost_.fetch_add(1, std::memory_order_relaxed);
  }

  // Consumer (the ledger writer): f(const JournalEntry&) for each record, oldest first. Returns how many.
  template <class F>
  std::size_t drain(F&& f) {
    return queue_.consume_all(f);
  }

  std::uint64_t lost() const { return lost_.load(std::memory_order_relaxed); }

 private:
  boost::lockfree::spsc_queue<JournalEntry, boost::lockfree::capacity<kCapacity>> queue_;
  std::atomic<std::uint64_t> lost_{0};
};

}  // namespace clara::daemon
