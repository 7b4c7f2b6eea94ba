#pragma once
// The producer's side of the output queue (the inference thread's): what it
// commits goes through here so that a full queue never loses a note-off.
//  - A note-on the queue refuses (above its high-water mark, or while older
//    messages still wait) is refused for good and remembered, so that its
//    note-off is not sent either: no orphan note-off, no stuck note.
//  - Anything else the queue cannot take (note-offs, controllers) is held and
//    pushed first next time, before anything newer, in the order committed.
//  - sent() is called for what went into the queue, when it went, so that the
//    session records what was played and nothing that was refused.
// Note-ons and note-offs pair first in, first out per port, channel and key,
// as synthesisers pair them. One thread; not real-time (the held list grows
// if the real-time side stops taking messages altogether).
#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

#include "core/midi/timed_message.hpp"

namespace clara::daemon {

class OutputGate {
 public:
  static constexpr int kMaxPorts = 8;

  OutputGate();

  // Pushes the held messages, then `out`, through push(const TimedMessage&) ->
  // bool; calls sent(const TimedMessage&) for each message pushed. Call it
  // regularly even with nothing new, so that held messages go out.
  template <class Push, class Sent>
  void send(std::span<const TimedMessage> out, Push&& push, Sent&& sent);

  std::uint64_t refused_note_ons() const { return refused_note_ons_; }
  // Messages that found the queue full and were held (each counted once).
  std::uint64_t retried_note_offs() const { return retried_; }
  std::size_t held() const { return held_.size(); }

 private:
  // Whether each note-on still open went out, one bit per note-on in order.
  static constexpr int kDepth = 32;
  struct KeyTrack {
    std::uint32_t refused = 0;  // bit (seq % kDepth) set: that note-on was refused
    std::uint16_t on_seq = 0, off_seq = 0;
  };
  KeyTrack& track(const TimedMessage& m);
  // Records a note-on's fate. A note-on that finds kDepth of its key still
  // open is refused before it is pushed (and not recorded): it could not be paired.
  static void note_on(KeyTrack& k, bool went_out);
  // Pairs a note-off with its note-on: true when that note-on went out (or
  // none is known: an off for a note this gate never saw is passed on).
  bool note_off_wanted(const TimedMessage& m);

  std::vector<KeyTrack> keys_;  // kMaxPorts * 16 channels * 128 keys
  std::deque<TimedMessage> held_;
  std::uint64_t refused_note_ons_ = 0, retried_ = 0;
};

template <class Push, class Sent>
void OutputGate::send(std::span<const TimedMessage> out, Push&& push, Sent&& sent) {
  while (!held_.empty() && push(held_.front())) {
    sent(held_.front());
    held_.pop_front();
  }
  for (const TimedMessage& m : out) {
    if (m.msg.is_note_on()) {
      KeyTrack& k = track(m);
      // While older messages wait, a new note-on would overtake them.
      const bool went_out = static_cast<std::uint16_t>(k.on_seq - k.off_seq) < kDepth && held_.empty() && push(m);
      note_on(k, went_out);
      if (went_out) {
        sent(m);
      } else {
        ++refused_note_ons_;
      }
      continue;
    }
    if (m.msg.is_note_off() && !note_off_wanted(m)) continue;  // its note-on never went out
    if (held_.empty() && push(m)) {
      sent(m);
    } else {
      held_.push_back(m);
      ++retried_;
    }
  }
}

}  // namespace clara::daemon
