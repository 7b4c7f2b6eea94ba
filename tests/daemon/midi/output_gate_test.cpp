#include "daemon/midi/output_gate.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace clara::daemon {
namespace {

TimedMessage at(std::int64_t t, std::uint8_t status, std::uint8_t d1, std::uint8_t d2, std::uint8_t port = 0) {
  return TimedMessage{t, ShortMessage{status, d1, d2}, port};
}

// A queue the test opens and closes: note-ons and the rest separately, as the
// real one refuses note-ons first.
struct Queue {
  bool take_on = true, take_other = true;
  std::vector<TimedMessage> pushed;
  bool operator()(const TimedMessage& m) {
    if (!(m.msg.is_note_on() ? take_on : take_other)) return false;
    pushed.push_back(m);
    return true;
  }
};

struct Fixture {
  OutputGate gate;
  Queue queue;
  std::vector<TimedMessage> sent;
  void send(std::vector<TimedMessage> out) {
    gate.send(out, queue, [&](const TimedMessage& m) { sent.push_back(m); });
  }
};

TEST(OutputGate, ARefusedNoteOnTakesItsNoteOffWithIt) {
  Fixture f;
  f.queue.take_on = false;
  f.send({at(1, 0x90, 60, 90)});
  f.queue.take_on = true;
  f.send({at(2, 0x90, 62, 90), at(3, 0x80, 60, 0), at(4, 0x80, 62, 0)});
  const std::vector<TimedMessage> expected{at(2, 0x90, 62, 90), at(4, 0x80, 62, 0)};
  EXPECT_EQ(f.queue.pushed, expected);
  EXPECT_EQ(f.sent, expected) << "the session records what was pushed, and only that";
  EXPECT_EQ(f.gate.refused_note_ons(), 1u);
  EXPECT_EQ(f.gate.retried_note_offs(), 0u);
}

// Same key struck twice, the second refused: first in, first out, the first
// note-off ends the first note and the second is not sent.
TEST(OutputGate, PairsNoteOffsFirstInFirstOutPerKey) {
  Fixture f;
  f.send({at(1, 0x90, 60, 90)});
  f.queue.take_on = false;
  f.send({at(2, 0x90, 60, 90)});
  f.queue.take_on = true;
  f.send({at(3, 0x90, 60, 0), at(4, 0x80, 60, 0), at(5, 0x80, 60, 0)});  // velocity 0 counts as an off
  const std::vector<TimedMessage> expected{at(1, 0x90, 60, 90), at(3, 0x90, 60, 0), at(5, 0x80, 60, 0)};
  EXPECT_EQ(f.queue.pushed, expected) << "the third off is for no note of ours: passed on";
  // Channels and ports pair apart.
  f.queue.take_on = false;
  f.send({at(6, 0x91, 61, 90)});
  f.queue.take_on = true;
  f.send({at(7, 0x80, 61, 0), at(8, 0x81, 61, 0, 1), at(9, 0x81, 61, 0)});
  EXPECT_EQ(f.queue.pushed.back(), at(8, 0x81, 61, 0, 1));
}

TEST(OutputGate, ANoteOffThatDoesNotFitIsPushedFirstNextTime) {
  Fixture f;
  f.send({at(1, 0x90, 60, 90), at(2, 0x90, 64, 90)});
  f.queue.take_other = false;
  f.send({at(3, 0x80, 60, 0), at(4, 0xB0, 64, 0)});
  EXPECT_EQ(f.gate.held(), 2u);
  EXPECT_EQ(f.gate.retried_note_offs(), 2u);
  EXPECT_EQ(f.sent.size(), 2u) << "not recorded before it is pushed";
  // Still full: a new note-on would overtake them, so it is refused, and a new
  // note-off queues up behind them.
  f.send({at(5, 0x90, 67, 90), at(6, 0x80, 64, 0), at(7, 0x80, 67, 0)});
  EXPECT_EQ(f.gate.refused_note_ons(), 1u);
  EXPECT_EQ(f.gate.held(), 3u) << "the off of the refused note-on is not held";
  f.queue.take_other = true;
  f.send({});  // called every tick: the held messages go even with nothing new
  const std::vector<TimedMessage> expected{at(1, 0x90, 60, 90), at(2, 0x90, 64, 90), at(3, 0x80, 60, 0),
                                           at(4, 0xB0, 64, 0), at(6, 0x80, 64, 0)};
  EXPECT_EQ(f.queue.pushed, expected);
  EXPECT_EQ(f.sent, expected);
  EXPECT_EQ(f.gate.held(), 0u);
  EXPECT_EQ(f.gate.retried_note_offs(), 3u) << "each held message counted once";
}

}  // namespace
}  // namespace clara::daemon
