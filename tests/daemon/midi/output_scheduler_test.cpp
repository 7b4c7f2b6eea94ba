#include "daemon/midi/output_scheduler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <tuple>
#include <vector>

namespace clara::daemon {
namespace {

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

// Cycles of 128 frames at exactly 1000 ns a frame, so expected frames are
// (due - start) / 1000 without any rounding question.
constexpr std::int64_t kFrameNs = 1000;
constexpr std::uint32_t kFrames = 128;
constexpr std::int64_t kCycleNs = kFrameNs * kFrames;

TimedMessage at(std::int64_t t, std::uint8_t status, std::uint8_t d1, std::uint8_t d2, std::uint8_t port = 0) {
  return TimedMessage{t, ShortMessage{status, d1, d2}, port};
}

struct Harness {
  explicit Harness(std::vector<OutputPortSettings> ports = {OutputPortSettings{}},
                   std::uint16_t startup = 0)
      : settings(std::move(ports)),
        s(std::make_unique<OutputScheduler>(settings, startup)) {}
  // Runs the cycle starting at cycle_index * kCycleNs; returns what it wrote.
  std::vector<Written> cycle(std::int64_t index) {
    std::vector<Written> out;
    s->run_cycle(index * kCycleNs, (index + 1) * kCycleNs, kFrames,
                 [&](int port, std::uint32_t frame, ShortMessage m) { out.push_back({port, frame, m}); });
    all.insert(all.end(), out.begin(), out.end());
    return out;
  }
  std::vector<OutputPortSettings> settings;
  std::unique_ptr<OutputScheduler> s;
  std::vector<Written> all;
};

TEST(OutputScheduler, WritesInTimeOrderAtTheDueFrameStableForEqualTimes) {
  Harness h;
  const std::int64_t base = 10 * kCycleNs;
  h.s->accept(at(base + 90 * kFrameNs, 0x90, 64, 100));
  h.s->accept(at(base + 5 * kFrameNs + 999, 0x90, 60, 100));  // still frame 5
  h.s->accept(at(base + 40 * kFrameNs, 0x90, 62, 100));
  h.s->accept(at(base + 40 * kFrameNs, 0xB0, 1, 7));            // same time: after the note
  h.s->accept(at(base + kCycleNs, 0x80, 60, 0));               // next cycle, frame 0
  EXPECT_TRUE(h.cycle(9).empty());
  const std::vector<Written> expected{{0, 5, {0x90, 60, 100}},
                                      {0, 40, {0x90, 62, 100}},
                                      {0, 40, {0xB0, 1, 7}},
                                      {0, 90, {0x90, 64, 100}}};
  EXPECT_EQ(h.cycle(10), expected);
  EXPECT_EQ(h.cycle(11), (std::vector<Written>{{0, 0, {0x80, 60, 0}}}));
  const auto st = h.s->stats();
  EXPECT_EQ(st.messages, 5u);
  EXPECT_EQ(st.late, 0u);
  EXPECT_EQ(st.onset_error_max_ns, 999);  // the one message off the frame grid
}

TEST(OutputScheduler, LateMessagesGoAtFrameZeroAndAreCounted) {
  Harness h;
  h.s->accept(at(3 * kCycleNs + 10 * kFrameNs, 0x90, 61, 90));
  h.s->accept(at(2 * kCycleNs + 100 * kFrameNs, 0x90, 60, 90));  // a cycle too late
  const auto out = h.cycle(3);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], (Written{0, 0, {0x90, 60, 90}}));
  EXPECT_EQ(out[1], (Written{0, 10, {0x90, 61, 90}}));
  const auto st = h.s->stats();
  EXPECT_EQ(st.late, 1u);
  EXPECT_EQ(st.max_late_ns, 28 * kFrameNs);
  EXPECT_EQ(st.onset_error_max_ns, 28 * kFrameNs);
}

// A late message names its cause: committed after the cycle that was to write it had run (the
// inference thread's fault), or due in a gap between cycles (the real-time side's), or written
// on a retry after a full port buffer.
TEST(OutputScheduler, EachLateMessageIsCountedWithItsCause) {
  Harness h;
  h.cycle(0);
  h.cycle(1);
  h.s->accept(at(kCycleNs + 50 * kFrameNs, 0x90, 60, 90));  // due in cycle 1, which has run
  h.cycle(2);
  auto st = h.s->stats();
  EXPECT_EQ(st.late, 1u);
  EXPECT_EQ(st.late_commit, 1u);
  EXPECT_EQ(st.late_cycle, 0u);
  h.s->accept(at(3 * kCycleNs + 10 * kFrameNs, 0x80, 60, 0));  // in time for cycle 3...
  h.cycle(4);                                                 // ...which never came (an xrun)
  st = h.s->stats();
  EXPECT_EQ(st.late, 2u);
  EXPECT_EQ(st.late_commit, 1u);
  EXPECT_EQ(st.late_cycle, 1u);
  // A note-off whose write fails goes on the next cycle: late by a retry.
  h.s->accept(at(5 * kCycleNs + 10 * kFrameNs, 0x90, 62, 90));
  h.s->accept(at(5 * kCycleNs + 20 * kFrameNs, 0x80, 62, 0));
  h.s->run_cycle(5 * kCycleNs, 6 * kCycleNs, kFrames, [&](int, std::uint32_t, ShortMessage m) { return !m.is_note_off(); });
  h.cycle(6);
  st = h.s->stats();
  EXPECT_EQ(st.late_retry, 1u);
  EXPECT_EQ(st.late, st.late_commit + st.late_cycle + st.late_retry);

  // The ALSA clock thread: the same two causes from its ticks.
  Harness a;
  std::vector<Written> out;
  auto sink = [&](int port, std::uint32_t frame, ShortMessage m) { out.push_back({port, frame, m}); };
  a.s->run_now(1'000'000, 200'000, sink);
  a.s->accept(at(900'000, 0x90, 60, 80));  // due before the tick that has run: committed late
  a.s->run_now(1'300'000, 200'000, sink);
  a.s->accept(at(2'000'000, 0x80, 60, 0));  // in time; the next tick woke 500 us late
  a.s->run_now(2'500'000, 200'000, sink);
  st = a.s->stats();
  EXPECT_EQ(out.size(), 2u);
  EXPECT_EQ(st.late_commit, 1u);
  EXPECT_EQ(st.late_cycle, 1u);
}

// Clara as MIDI Clock master: ticks are committed ahead, so when she stops some are queued for
// after the Stop. None of them goes out; a Start brings the clock back.
TEST(OutputScheduler, NoClockTickGoesOutAfterAStop) {
  Harness h;
  h.s->accept(at(10 * kFrameNs, 0xFA, 0, 0));
  for (int k = 0; k < 6; ++k) h.s->accept(at((10 + 20 * k) * kFrameNs, 0xF8, 0, 0));
  h.s->accept(at(50 * kFrameNs, 0xFC, 0, 0));
  h.s->accept(at(60 * kFrameNs, 0x90, 60, 90));  // a note after the Stop still plays
  h.s->accept(at(kCycleNs + 10 * kFrameNs, 0xFA, 0, 0));
  h.s->accept(at(kCycleNs + 10 * kFrameNs, 0xF8, 0, 0));
  const auto out = h.cycle(0);
  std::vector<std::uint8_t> statuses;
  for (const auto& w : out) statuses.push_back(w.msg.status);
  EXPECT_EQ(statuses, (std::vector<std::uint8_t>{0xFA, 0xF8, 0xF8, 0xF8, 0xFC, 0x90}));
  const auto next = h.cycle(1);
  ASSERT_EQ(next.size(), 2u);
  EXPECT_EQ(next[1].msg.status, 0xF8) << "a Start lets the clock run again";

  // clarad's stop pushes a Stop, then requests the panic before the Stop is due: the panic drops
  // the ticks and notes pushed before it, never the Stop.
  h.s->accept(at(2 * kCycleNs + 30 * kFrameNs, 0xF8, 0, 0));
  h.s->accept(at(2 * kCycleNs + 40 * kFrameNs, 0xFC, 0, 0));
  h.s->accept(at(2 * kCycleNs + 50 * kFrameNs, 0x90, 61, 90));
  h.s->request_panic();
  std::vector<std::uint8_t> after_panic;
  for (const auto& w : h.cycle(2)) after_panic.push_back(w.msg.status);
  EXPECT_EQ(std::count(after_panic.begin(), after_panic.end(), 0xFC), 1) << "the panic dropped the Stop";
  EXPECT_EQ(std::count(after_panic.begin(), after_panic.end(), 0xF8), 0);
  EXPECT_EQ(std::count(after_panic.begin(), after_panic.end(), 0x90), 0);
}

TEST(OutputScheduler, OnsetErrorP99ComesFromTheHistogram) {
  Harness h;
  // 1000 messages on the frame grid (error 0) and 5 written 50 us late: the
  // 99th percentile is in the first 1-us bin, the maximum is 50 us.
  for (int i = 0; i < 1000; ++i) h.s->accept(at(100 * kCycleNs + (i % 128) * kFrameNs, 0xB0, 1, 1));
  for (int i = 0; i < 5; ++i) h.s->accept(at(100 * kCycleNs - 50'000, 0xB0, 2, 2));
  h.cycle(100);
  auto st = h.s->stats();
  EXPECT_EQ(st.messages, 1005u);
  EXPECT_LE(st.onset_error_p99_ns, 1000);
  EXPECT_EQ(st.onset_error_max_ns, 50'000);
  // Now 20 more late ones: above 1 %, so p99 moves to their bin's upper edge.
  for (int i = 0; i < 20; ++i) h.s->accept(at(101 * kCycleNs - 50'000, 0xB0, 2, 2));
  h.cycle(101);
  st = h.s->stats();
  EXPECT_EQ(st.onset_error_p99_ns, 50'000);  // bin [50 us, 51 us), capped at the true max
}

// Full, it takes nothing more but drops nothing either: the caller keeps the
// message (drain() leaves it queued).
TEST(OutputScheduler, RefusesBeyondCapacity) {
  Harness h;
  using A = OutputScheduler::Admission;
  for (std::size_t i = 0; i < OutputScheduler::kCapacity; ++i)
    ASSERT_EQ(h.s->accept(at(1'000'000'000 + static_cast<std::int64_t>(i), 0xB0, 1, 1)), A::taken);
  EXPECT_EQ(h.s->accept(at(5, 0xB0, 1, 1)), A::full);
  EXPECT_EQ(h.s->stats().dropped, 0u);
  EXPECT_EQ(h.s->next_due_ns(), 1'000'000'000);
}

TEST(OutputScheduler, MaxNoteLengthEndsTheNoteAndSwallowsTheLateOff) {
  OutputPortSettings port;
  port.max_note_ms = 1;  // 1 ms = 1'000'000 ns = 7.8 cycles of 128 us
  Harness h({port});
  const std::int64_t on = 20 * kCycleNs + 3 * kFrameNs;
  h.s->accept(at(on, 0x91, 60, 80));
  h.s->accept(at(on + 3'000'000, 0x81, 60, 0));  // upstream ends it 3 ms later
  h.s->accept(at(on + kFrameNs, 0x91, 62, 80));
  h.s->accept(at(on + 500'000, 0x81, 62, 0));    // ended in time: passes, no forced end
  for (int c = 20; c < 60; ++c) h.cycle(c);
  const std::int64_t forced = on + 1'000'000;
  const Written expected_forced{0, static_cast<std::uint32_t>((forced % kCycleNs) / kFrameNs),
                                {0x80 | 1, 60, 0}};
  std::vector<Written> offs;
  for (const auto& w : h.all)
    if (w.msg.is_note_off()) offs.push_back(w);
  ASSERT_EQ(offs.size(), 2u);
  EXPECT_EQ(offs[0], (Written{0, static_cast<std::uint32_t>(((on + 500'000) % kCycleNs) / kFrameNs),
                             {0x81, 62, 0}}));
  EXPECT_EQ(offs[1], expected_forced);
  EXPECT_EQ(h.s->ledger().sounding(0), 0);
}

TEST(OutputScheduler, PolyphonyCapDropsTheNoteAndItsOff) {
  OutputPortSettings port;
  port.max_polyphony = 2;
  Harness h({port});
  h.s->accept(at(kCycleNs + 1 * kFrameNs, 0x90, 60, 80));
  h.s->accept(at(kCycleNs + 2 * kFrameNs, 0x90, 64, 80));
  h.s->accept(at(kCycleNs + 3 * kFrameNs, 0x90, 67, 80));  // third voice: dropped
  h.s->accept(at(kCycleNs + 4 * kFrameNs, 0x90, 67, 0));   // its off (velocity 0): dropped too
  h.s->accept(at(kCycleNs + 5 * kFrameNs, 0x80, 60, 0));
  h.s->accept(at(kCycleNs + 6 * kFrameNs, 0x90, 72, 80));  // a voice is free again
  const std::vector<Written> expected{{0, 1, {0x90, 60, 80}},
                                      {0, 2, {0x90, 64, 80}},
                                      {0, 5, {0x80, 60, 0}},
                                      {0, 6, {0x90, 72, 80}}};
  EXPECT_EQ(h.cycle(1), expected);
  EXPECT_EQ(h.s->stats().dropped, 1u);
}

TEST(OutputScheduler, PanicDropsPendingAndEndsEverythingAtFrameZero) {
  std::vector<OutputPortSettings> ports(2);
  Harness h(ports);
  h.s->accept(at(kCycleNs + 1 * kFrameNs, 0x90, 60, 80, 0));
  h.s->accept(at(kCycleNs + 2 * kFrameNs, 0x93, 50, 80, 1));
  h.s->accept(at(kCycleNs + 3 * kFrameNs, 0x93, 50, 80, 1));  // same key twice: two offs
  h.s->accept(at(kCycleNs + 4 * kFrameNs, 0xB5, 7, 100, 1));   // channel 5 used, no notes
  h.s->accept(at(3 * kCycleNs, 0x90, 62, 80, 0));              // still pending: never sent
  h.cycle(1);
  EXPECT_TRUE(h.s->panic_done());
  h.s->request_panic();
  EXPECT_FALSE(h.s->panic_done());
  const std::vector<Written> expected{
      {0, 0, {0x80, 60, 0}},  {0, 0, {0xB0, 64, 0}}, {0, 0, {0xB0, 123, 0}}, {0, 0, {0xB0, 120, 0}},
      {1, 0, {0x83, 50, 0}},  {1, 0, {0x83, 50, 0}}, {1, 0, {0xB3, 64, 0}},  {1, 0, {0xB3, 123, 0}},
      {1, 0, {0xB3, 120, 0}}, {1, 0, {0xB5, 64, 0}}, {1, 0, {0xB5, 123, 0}}, {1, 0, {0xB5, 120, 0}}};
  EXPECT_EQ(h.cycle(2), expected);
  EXPECT_TRUE(h.s->panic_done());
  EXPECT_TRUE(h.cycle(3).empty());  // the pending note-on was dropped
  // An upstream note-off for a note the panic ended is swallowed.
  h.s->accept(at(4 * kCycleNs, 0x80, 60, 0));
  EXPECT_TRUE(h.cycle(4).empty());
}

TEST(OutputScheduler, StartupPanicOnConfiguredChannelsOnce) {
  std::vector<OutputPortSettings> ports(2);
  Harness h(ports, 0b101);
  EXPECT_FALSE(h.s->startup_panic_done());
  h.s->accept(at(10, 0x90, 60, 80));
  const auto out = h.cycle(0);
  EXPECT_TRUE(h.s->startup_panic_done());
  std::vector<Written> expected;
  for (int p = 0; p < 2; ++p)
    for (std::uint8_t ch : {0, 2})
      for (std::uint8_t cc : {64, 123, 120})
        expected.push_back({p, 0, {static_cast<std::uint8_t>(0xB0 | ch), cc, 0}});
  expected.push_back({0, 0, {0x90, 60, 80}});  // then the cycle's own output
  EXPECT_EQ(out, expected);
  EXPECT_TRUE(h.cycle(1).empty());
}

// Hot-plug and server restarts: a panic that also resets channels Clara has not used since the
// last panic, and a crashed run's notes ended with note-offs before the start-up resets.
TEST(OutputScheduler, PanicWithResetChannelsResetsThemOnEveryPort) {
  std::vector<OutputPortSettings> ports(2);
  Harness h(ports, 0);
  h.s->accept(at(10, 0x90, 60, 80));
  EXPECT_EQ(h.cycle(0), (std::vector<Written>{{0, 0, {0x90, 60, 80}}}));
  h.s->request_panic(0b10);
  const auto out = h.cycle(1);
  std::vector<Written> expected{{0, 0, {0x80, 60, 0}}};
  for (std::uint8_t cc : {64, 123, 120}) expected.push_back({0, 0, {0xB0, cc, 0}});  // used
  for (std::uint8_t cc : {64, 123, 120}) expected.push_back({0, 0, {0xB1, cc, 0}});  // asked for
  for (std::uint8_t cc : {64, 123, 120}) expected.push_back({1, 0, {0xB1, cc, 0}});
  EXPECT_EQ(out, expected);
  h.s->request_panic();
  EXPECT_TRUE(h.cycle(2).empty()) << "the reset channels were for that panic only";
}

TEST(OutputScheduler, RecoveredNotesEndWithNoteOffsBeforeTheStartupResets) {
  Harness h({OutputPortSettings{}}, 0b1);
  h.s->recover_sounding(0, 3, 64, 2);
  h.s->recover_sounding(5, 0, 60, 1);  // a port this run does not have: ignored
  std::vector<Written> expected{{0, 0, {0x83, 64, 0}}, {0, 0, {0x83, 64, 0}}};
  for (std::uint8_t ch : {0, 3})
    for (std::uint8_t cc : {64, 123, 120}) expected.push_back({0, 0, {static_cast<std::uint8_t>(0xB0 | ch), cc, 0}});
  EXPECT_EQ(h.cycle(0), expected);
  EXPECT_EQ(h.s->ledger().sounding(0), 0);
}

TEST(OutputScheduler, MessagesForAnUnconfiguredPortAreDropped) {
  Harness h;
  h.s->accept(at(10, 0x90, 60, 80, 3));
  EXPECT_TRUE(h.cycle(0).empty());
  EXPECT_EQ(h.s->stats().dropped, 1u);
}

TEST(OutputScheduler, RunNowSendsWhatIsDueAndCountsLateBeyondTolerance) {
  Harness h;
  h.s->accept(at(1'000'000, 0x90, 60, 80));
  h.s->accept(at(1'500'000, 0x90, 62, 80));
  h.s->accept(at(9'000'000, 0x90, 64, 80));
  EXPECT_EQ(h.s->next_due_ns(), 1'000'000);
  std::vector<Written> out;
  auto sink = [&](int port, std::uint32_t frame, ShortMessage m) { out.push_back({port, frame, m}); };
  h.s->run_now(1'000'000, 200'000, sink);  // exactly due
  ASSERT_EQ(out.size(), 1u);
  h.s->run_now(1'800'000, 200'000, sink);  // 300 us after due: late
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].msg.data1, 62);
  EXPECT_EQ(h.s->next_due_ns(), 9'000'000);
  const auto st = h.s->stats();
  EXPECT_EQ(st.late, 1u);
  EXPECT_EQ(st.max_late_ns, 300'000);
}

// A long seeded stream with both caps on and panics thrown in: whatever the
// scheduler decides, every note-on it writes is matched by a note-off it writes
// (FIFO per port, channel and key), checked from the output alone.
TEST(OutputScheduler, EveryNoteOnWrittenGetsItsNoteOffByTheEnd) {
  std::vector<OutputPortSettings> ports(2);
  ports[0].max_note_ms = 2;
  ports[0].max_polyphony = 4;
  ports[1].max_polyphony = 3;
  Harness h(ports, 0);
  std::mt19937 rng(11);
  std::int64_t t = 0;
  for (int c = 0; c < 4000; ++c) {
    for (int n = static_cast<int>(rng() % 3); n > 0; --n) {
      const auto port = static_cast<std::uint8_t>(rng() % 2);
      const auto ch = static_cast<std::uint8_t>(rng() % 3);
      const auto key = static_cast<std::uint8_t>(48 + rng() % 12);
      const std::int64_t on = t + static_cast<std::int64_t>(rng() % 400'000);
      const std::int64_t len = 1000 + static_cast<std::int64_t>(rng() % 5'000'000);
      h.s->accept(at(on, static_cast<std::uint8_t>(0x90 | ch), key, 90, port));
      h.s->accept(at(on + len, static_cast<std::uint8_t>(0x80 | ch), key, 0, port));
    }
    if (rng() % 1000 == 0) h.s->request_panic();
    h.cycle(c);
    t += kCycleNs;
  }
  // Let every upstream note-off fall due (notes last under 5.1 ms), then check
  // from the output alone, before any final panic.
  for (int c = 4000; c < 4100; ++c) h.cycle(c);
  std::map<std::tuple<int, int, int>, int> open;
  int ons = 0, max_voices0 = 0, voices0 = 0;
  for (const auto& w : h.all) {
    const auto k = std::make_tuple(w.port, w.msg.channel(), int(w.msg.data1));
    if (w.msg.is_note_on()) {
      ++open[k], ++ons;
      if (w.port == 0) max_voices0 = std::max(max_voices0, ++voices0);
    } else if (w.msg.is_note_off() && open[k] > 0) {
      --open[k];
      if (w.port == 0) --voices0;
    }
  }
  EXPECT_EQ(h.s->ledger().sounding(0) + h.s->ledger().sounding(1), 0);
  h.s->request_panic();
  for (const auto& w : h.cycle(4100)) EXPECT_FALSE(w.msg.is_note_off()) << w;
  EXPECT_GT(ons, 1000);
  for (const auto& [k, n] : open) EXPECT_EQ(n, 0) << "port " << std::get<0>(k) << " key " << std::get<2>(k);
  EXPECT_LE(max_voices0, 4);
  EXPECT_GT(h.s->stats().dropped, 0u);  // the caps did bite
}

}  // namespace
}  // namespace clara::daemon
