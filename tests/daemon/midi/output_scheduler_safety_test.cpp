// What OutputScheduler promises for notes when things go wrong: a panic that
// races with the producer, a pending buffer or queue that fills up, a port
// write that fails. Single-threaded: the other thread's moves are made at the
// exact moment that used to lose a message (a hook in the queue).
#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <utility>
#include <map>
#include <memory>
#include <random>
#include <tuple>
#include <vector>

#include "daemon/midi/output_gate.hpp"
#include "daemon/midi/output_queue.hpp"
#include "daemon/midi/output_scheduler.hpp"

namespace clara::daemon {
namespace {

constexpr std::int64_t kFrameNs = 1000;
constexpr std::uint32_t kFrames = 128;
constexpr std::int64_t kCycleNs = kFrameNs * kFrames;

struct Written {
  int port;
  std::uint32_t frame;
  ShortMessage msg;
  bool operator==(const Written&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Written& w) {
  return os << "{port " << w.port << " frame " << w.frame << " " << int(w.msg.status) << " "
            << int(w.msg.data1) << " " << int(w.msg.data2) << "}";
}

TimedMessage at(std::int64_t t, std::uint8_t status, std::uint8_t d1, std::uint8_t d2, std::uint8_t port = 0) {
  return TimedMessage{t, ShortMessage{status, d1, d2}, port};
}

// The real queue, with hooks that stand for the producer thread acting at the
// moment the consumer looks: at its first look in a cycle, or when it finds
// the queue empty.
struct RacingQueue {
  std::unique_ptr<OutputQueue> q = std::make_unique<OutputQueue>();
  std::function<void()> on_first_peek, on_empty;
  bool peeked = false;
  bool peek(QueuedMessage& m) {
    if (!peeked) {
      peeked = true;
      if (auto f = std::exchange(on_first_peek, nullptr)) f();
    }
    if (q->peek(m)) return true;
    if (auto f = std::exchange(on_empty, nullptr)) f();
    return false;
  }
  void pop() { q->pop(); }
};

// A port with no caps, whatever the defaults are.
OutputPortSettings uncapped() {
  OutputPortSettings p;
  p.max_note_ms = 0;
  p.max_polyphony = 0;
  return p;
}

struct Harness {
  explicit Harness(std::vector<OutputPortSettings> ports = {uncapped()}, std::uint16_t startup = 0)
      : settings(std::move(ports)), s(std::make_unique<OutputScheduler>(settings, startup)) {}
  // The producer: pushes as the backends do, stamped with the epoch of the moment.
  void push(const TimedMessage& m) {
    ASSERT_EQ(queue.q->push(m, s->panic_epoch()), OutputQueue::Push::pushed);
  }
  // One cycle; the sink writes while `room` lasts (a port buffer), room < 0: unlimited.
  std::vector<Written> cycle(std::int64_t index, int room = -1) {
    std::vector<Written> out;
    queue.peeked = false;
    s->run_cycle(queue, index * kCycleNs, (index + 1) * kCycleNs, kFrames,
                 [&](int port, std::uint32_t frame, ShortMessage m) {
                   if (room == 0 || (fail && fail(m))) return false;
                   if (room > 0) --room;
                   out.push_back({port, frame, m});
                   return true;
                 });
    all.insert(all.end(), out.begin(), out.end());
    return out;
  }
  std::vector<OutputPortSettings> settings;
  std::unique_ptr<OutputScheduler> s;
  RacingQueue queue;
  std::function<bool(ShortMessage)> fail;  // true: this write fails
  std::vector<Written> all;
};

bool is_cc(const Written& w, int number) { return w.msg.is_control(number); }

// Item: the panic could miss a message. The producer pushes a note-on and
// requests a panic just after the real-time side found the queue empty: the
// old order (drain, then look at the panic) cleared the empty buffer and
// played the note in the next cycle, after the panic.
TEST(OutputSchedulerPanic, NothingPushedBeforeThePanicSoundsAfterIt) {
  Harness h;
  h.push(at(kCycleNs + 10 * kFrameNs, 0x90, 60, 90));
  h.queue.on_empty = [&] {
    h.push(at(2 * kCycleNs + 5 * kFrameNs, 0x90, 62, 90));  // before the request: must never sound
    h.s->request_panic();
    h.push(at(2 * kCycleNs + 20 * kFrameNs, 0x90, 64, 90));  // after it: must sound
  };
  EXPECT_EQ(h.cycle(1), (std::vector<Written>{{0, 10, {0x90, 60, 90}}}));
  EXPECT_FALSE(h.s->panic_done());
  const auto out = h.cycle(2);
  const std::vector<Written> expected{{0, 0, {0x80, 60, 0}},
                                      {0, 0, {0xB0, 64, 0}},
                                      {0, 0, {0xB0, 123, 0}},
                                      {0, 0, {0xB0, 120, 0}},
                                      {0, 20, {0x90, 64, 90}}};
  EXPECT_EQ(out, expected);
  EXPECT_TRUE(h.s->panic_done());
  for (int c = 3; c < 6; ++c) EXPECT_TRUE(h.cycle(c).empty());
  EXPECT_EQ(h.s->ledger().depth(0, 0, 62), 0);
  EXPECT_EQ(h.s->ledger().depth(0, 0, 64), 1);
}

// The request lands after this cycle looked at the panic flag but before it
// drained: what was pushed after the request waits for the next cycle, where
// the panic goes first, instead of sounding now and being cut by the panic.
TEST(OutputSchedulerPanic, WhatIsPushedAfterThePanicGoesOutAfterIt) {
  Harness h;
  h.push(at(kCycleNs + 2 * kFrameNs, 0x90, 60, 90));  // before: ended by the panic
  h.queue.on_first_peek = [&] {
    h.s->request_panic();
    h.push(at(kCycleNs + 30 * kFrameNs, 0x90, 67, 90));  // after the request, due this cycle
  };
  const auto first = h.cycle(1);
  EXPECT_EQ(first, (std::vector<Written>{{0, 2, {0x90, 60, 90}}}));
  const auto second = h.cycle(2);
  ASSERT_FALSE(second.empty());
  EXPECT_EQ(second.back(), (Written{0, 0, {0x90, 67, 90}})) << "late, but after the panic";
  EXPECT_TRUE(is_cc(second[second.size() - 2], 120));
  EXPECT_EQ(h.s->ledger().depth(0, 0, 67), 1);
  EXPECT_EQ(h.s->ledger().depth(0, 0, 60), 0);
  EXPECT_EQ(h.s->stats().late, 1u);
}

// Item: a full buffer can drop a note-off. Above the high-water mark note-ons
// are refused and counted; note-offs still fit; a full buffer leaves a message
// queued instead of dropping it.
TEST(OutputSchedulerPressure, NoteOnsAreRefusedAboveTheHighWaterMarkNoteOffsWait) {
  Harness h;
  using A = OutputScheduler::Admission;
  const std::int64_t later = 1000 * kCycleNs;
  for (std::size_t i = 0; i < OutputScheduler::kNoteOnHighWater; ++i)
    ASSERT_EQ(h.s->accept(at(later + static_cast<std::int64_t>(i), 0xB0, 1, 1)), A::taken);
  EXPECT_EQ(h.s->accept(at(kCycleNs, 0x90, 60, 90)), A::refused);
  EXPECT_EQ(h.s->stats().refused_note_ons, 1u);
  EXPECT_EQ(h.s->accept(at(kCycleNs + 1, 0x80, 59, 0)), A::taken);
  while (h.s->accept(at(later, 0xB0, 2, 2)) == A::taken) {
  }
  // Full: a note-off in the queue stays there, nothing is dropped.
  h.push(at(kCycleNs + 3 * kFrameNs, 0x80, 58, 0));
  h.cycle(1);
  QueuedMessage q;
  ASSERT_TRUE(h.queue.q->peek(q));
  EXPECT_EQ(q.msg, (ShortMessage{0x80, 58, 0}));
  EXPECT_EQ(h.s->stats().dropped, 0u);
  // Once the buffer has room again it is taken (not lost).
  for (std::int64_t c = 2; c <= 1000 && h.queue.q->peek(q); ++c) h.cycle(c);
  EXPECT_FALSE(h.queue.q->peek(q));
}

// Item: the ledger recorded a note before it was written.
TEST(OutputSchedulerWriteFailure, AFailedNoteOnIsNotInTheLedgerAndItsNoteOffIsSwallowed) {
  Harness h;
  h.fail = [](ShortMessage m) { return m.is_note_on() && m.data1 == 60; };
  h.s->accept(at(kCycleNs + 1 * kFrameNs, 0x90, 60, 90));
  h.s->accept(at(kCycleNs + 2 * kFrameNs, 0x90, 64, 90));
  h.s->accept(at(kCycleNs + 50 * kFrameNs, 0x80, 60, 0));  // for a note that never sounded
  h.s->accept(at(kCycleNs + 60 * kFrameNs, 0x80, 64, 0));
  h.cycle(0);
  EXPECT_EQ(h.cycle(1), (std::vector<Written>{{0, 2, {0x90, 64, 90}}, {0, 60, {0x80, 64, 0}}}));
  EXPECT_EQ(h.s->ledger().depth(0, 0, 60), 0);
  EXPECT_EQ(h.s->ledger().sounding(0), 0);
  const auto st = h.s->stats();
  EXPECT_EQ(st.write_failed, 1u);
  EXPECT_EQ(st.messages, 2u);
}

TEST(OutputSchedulerWriteFailure, AFailedNoteOffIsWrittenFirstNextCycleAndOnlyThenRecorded) {
  Harness h;
  bool port_full = true;
  h.fail = [&](ShortMessage m) { return port_full && m.is_note_off(); };
  h.s->accept(at(kCycleNs + 1 * kFrameNs, 0x90, 60, 90));
  h.s->accept(at(kCycleNs + 9 * kFrameNs, 0x80, 60, 0));
  h.s->accept(at(2 * kCycleNs + 7 * kFrameNs, 0x90, 72, 90));
  EXPECT_EQ(h.cycle(1), (std::vector<Written>{{0, 1, {0x90, 60, 90}}}));
  EXPECT_EQ(h.s->ledger().depth(0, 0, 60), 1) << "not written, so still sounding";
  EXPECT_EQ(h.s->retries_waiting(), 1u);
  h.cycle(2);  // fails again: still waiting, the note-on due this cycle goes out
  EXPECT_EQ(h.s->retries_waiting(), 1u);
  EXPECT_EQ(h.s->ledger().depth(0, 0, 72), 1);
  port_full = false;
  EXPECT_EQ(h.cycle(3), (std::vector<Written>{{0, 0, {0x80, 60, 0}}}));
  EXPECT_EQ(h.s->ledger().depth(0, 0, 60), 0);
  EXPECT_EQ(h.s->retries_waiting(), 0u);
  const auto st = h.s->stats();
  EXPECT_EQ(st.retried_note_offs, 1u);
  EXPECT_EQ(st.write_failed, 0u);
  EXPECT_EQ(st.late, 1u);
}

// A forced end (max_note_ms) whose write fails is retried like any note-off.
TEST(OutputSchedulerWriteFailure, AFailedForcedEndIsRetried) {
  OutputPortSettings port = uncapped();
  port.max_note_ms = 1;
  Harness h({port});
  bool port_full = true;
  h.fail = [&](ShortMessage m) { return port_full && m.is_note_off(); };
  h.s->accept(at(kCycleNs, 0x90, 60, 90));
  for (int c = 1; c < 12; ++c) h.cycle(c);  // the forced end falls due at about cycle 8
  EXPECT_EQ(h.s->ledger().depth(0, 0, 60), 1);
  port_full = false;
  EXPECT_EQ(h.cycle(12), (std::vector<Written>{{0, 0, {0x80, 60, 0}}}));
  EXPECT_EQ(h.s->ledger().sounding(0), 0);
  h.s->accept(at(13 * kCycleNs, 0x80, 60, 0));  // upstream's late off: swallowed
  EXPECT_TRUE(h.cycle(13).empty());
}

// A JACK port buffer holds a few dozen events: the start-up panic (48 CCs a
// port on all channels) does not fit in one cycle. It goes on in the next
// cycles, before anything else, and counts as done only when it is all out.
TEST(OutputSchedulerWriteFailure, APanicThatDoesNotFitGoesOnNextCycleBeforeAnythingElse) {
  Harness h({uncapped()}, 0xFFFF);
  h.s->accept(at(10 * kFrameNs, 0x90, 60, 90));
  std::vector<Written> out;
  int cycles = 0;
  for (; cycles < 10 && !h.s->startup_panic_done(); ++cycles) {
    const auto o = h.cycle(cycles, 20);
    out.insert(out.end(), o.begin(), o.end());
  }
  EXPECT_EQ(cycles, 3);
  ASSERT_EQ(out.size(), 48u + 1u);
  for (std::size_t i = 0; i < 48; ++i) EXPECT_EQ(out[i].msg.type(), 0xB0) << out[i];
  for (std::size_t i = 0; i < 48; ++i)  // each controller once, channel by channel
    EXPECT_EQ(out[i].msg, (ShortMessage{static_cast<std::uint8_t>(0xB0 | (i / 3)),
                                        std::array<std::uint8_t, 3>{64, 123, 120}[i % 3], 0}))
        << i;
  EXPECT_EQ(out[48].msg, (ShortMessage{0x90, 60, 90}));
  EXPECT_TRUE(h.s->ledger().channel_used(0, 0));
  EXPECT_FALSE(h.s->ledger().channel_used(0, 5));

  // A requested panic over a full port: not done until every note-off is out.
  for (int key = 0; key < 30; ++key) h.s->accept(at(4 * kCycleNs, 0x91, static_cast<std::uint8_t>(key), 90));
  h.cycle(4);
  ASSERT_EQ(h.s->ledger().sounding(0), 31);
  h.s->request_panic();
  h.cycle(5, 10);
  EXPECT_FALSE(h.s->panic_done());
  EXPECT_EQ(h.s->ledger().sounding(0), 21) << "the ledger keeps what was not written";
  int more = 0;
  for (; more < 10 && !h.s->panic_done(); ++more) h.cycle(6 + more, 10);
  EXPECT_EQ(more, 3) << "31 note-offs and 2 x 3 controllers, 10 a cycle";
  EXPECT_EQ(h.s->ledger().sounding(0), 0);
  int offs = 0;
  for (const auto& w : h.all) offs += w.msg.is_note_off();
  EXPECT_EQ(offs, 31) << "each note ended once";
}

// The whole path under pressure: a stream through the producer's gate into a
// queue drained a little at a time, a scheduler whose port writes fail at
// random, and panics now and then. From the output alone: every note-on
// written gets its note-off written, and no note-off is written for a note
// that never sounded (except the panic's own).
TEST(OutputSchedulerPressure, EveryNoteOnThatWentOutGetsItsNoteOffOut) {
  std::vector<OutputPortSettings> ports(2, uncapped());
  ports[0].max_polyphony = 6;
  ports[1].max_note_ms = 3;
  auto s = std::make_unique<OutputScheduler>(ports, 0);
  auto queue = std::make_unique<OutputQueue>();
  OutputGate gate;
  std::mt19937 rng(5);
  struct Budget {  // the real-time side takes at most `take` messages a cycle
    OutputQueue* q;
    int take = 0;
    bool peek(QueuedMessage& m) const { return take > 0 && q->peek(m); }
    void pop() { q->pop(), --take; }
  } budget{queue.get()};
  std::map<std::tuple<int, int, int>, int> open;
  int ons = 0, orphans = 0, pushed_ons = 0;
  bool panicking = false;
  std::int64_t t = 0;
  std::vector<TimedMessage> out;
  std::multimap<std::int64_t, TimedMessage> future_offs;
  auto sink = [&](int port, std::uint32_t, ShortMessage m) {
    if (rng() % 10 == 0) return false;  // a full port buffer now and then
    auto& n = open[{port, m.channel(), m.data1 & 0x7F}];
    if (m.is_note_on()) ++n, ++ons;
    if (m.is_note_off()) {
      if (n > 0)
        --n;
      else if (!panicking)
        ++orphans;
    }
    return true;
  };
  for (int c = 0; c < 20'000; ++c) {
    const bool burst = (c / 500) % 4 == 3;  // the consumer stalls now and then
    // Committed as the engine commits: a note-on a little ahead, its note-off
    // only when that falls due, so note-offs arrive after the note-ons fill the queue.
    for (int n = static_cast<int>(rng() % (burst ? 24 : 3)); n > 0; --n) {
      const auto port = static_cast<std::uint8_t>(rng() % 2);
      const auto key = static_cast<std::uint8_t>(36 + rng() % 60);
      const std::int64_t on = t + 2 * kCycleNs + static_cast<std::int64_t>(rng() % 400'000);
      out.push_back(at(on, 0x90, key, 90, port));
      future_offs.emplace(on + 1000 + static_cast<std::int64_t>(rng() % 60'000'000), at(0, 0x80, key, 0, port));
    }
    while (!future_offs.empty() && future_offs.begin()->first < t + 2 * kCycleNs) {
      TimedMessage off = future_offs.begin()->second;
      off.time_ns = future_offs.begin()->first;
      out.push_back(off);
      future_offs.erase(future_offs.begin());
    }
    gate.send(out, [&](const TimedMessage& m) { return queue->push(m, s->panic_epoch()) == OutputQueue::Push::pushed; },
              [&](const TimedMessage& m) { pushed_ons += m.msg.is_note_on(); });
    out.clear();
    if (rng() % 3000 == 0) s->request_panic();
    budget.take = burst ? 0 : 64;
    panicking = !s->panic_done();
    s->run_cycle(budget, t, t + kCycleNs, kFrames, sink);
    t += kCycleNs;
  }
  // Drain everything: the consumer keeps up, the gate's held messages go in.
  for (int c = 0; c < 2000; ++c) {
    for (const auto& [due, off] : future_offs) out.push_back(TimedMessage{due, off.msg, off.port});
    future_offs.clear();
    gate.send(out, [&](const TimedMessage& m) { return queue->push(m, s->panic_epoch()) == OutputQueue::Push::pushed; },
              [](const TimedMessage&) {});
    out.clear();
    budget.take = 4096;
    panicking = !s->panic_done();
    s->run_cycle(budget, t, t + kCycleNs, kFrames, sink);
    t += kCycleNs;
  }
  EXPECT_EQ(gate.held(), 0u);
  EXPECT_GT(ons, 5000);
  EXPECT_EQ(orphans, 0);
  for (const auto& [k, n] : open) EXPECT_EQ(n, 0) << "port " << std::get<0>(k) << " key " << std::get<2>(k);
  EXPECT_EQ(s->ledger().sounding(0) + s->ledger().sounding(1), 0);
  EXPECT_EQ(s->retries_waiting(), 0u);
  const auto st = s->stats();
  EXPECT_GT(gate.refused_note_ons(), 0u) << "the queue's high-water mark was reached";
  EXPECT_GT(gate.retried_note_offs(), 0u) << "note-offs found the queue full";
  EXPECT_GT(st.retried_note_offs, 0u) << "note-off writes failed and were retried";
  EXPECT_GT(st.write_failed, 0u);
  EXPECT_GT(pushed_ons, ons);  // some that went into the queue never sounded (failed, capped, panicked)
}

}  // namespace
}  // namespace clara::daemon
