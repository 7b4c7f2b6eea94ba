#include "core/midi/note_ledger.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace clara {
namespace {

ShortMessage on(int ch, int key, int vel = 100) {
  return {static_cast<std::uint8_t>(0x90 | ch), static_cast<std::uint8_t>(key), static_cast<std::uint8_t>(vel)};
}
ShortMessage off(int ch, int key) { return {static_cast<std::uint8_t>(0x80 | ch), static_cast<std::uint8_t>(key), 64}; }

std::vector<ShortMessage> panic_of(NoteLedger& l, int port, std::uint16_t extra = 0) {
  std::vector<ShortMessage> out;
  l.panic(port, [&](ShortMessage m) { out.push_back(m); }, extra);
  return out;
}

TEST(NoteLedger, TracksNoteOnOffAndVelocityZero) {
  NoteLedger l;
  l.record(0, on(0, 60));
  l.record(0, on(0, 64));
  EXPECT_EQ(l.sounding(0), 2);
  l.record(0, on(0, 60, 0));  // velocity 0 = note-off
  l.record(0, off(0, 64));
  EXPECT_EQ(l.sounding(0), 0);
  l.record(0, off(0, 64));  // stray note-off: ignored, never negative
  EXPECT_EQ(l.depth(0, 0, 64), 0);
}

TEST(NoteLedger, PanicEndsEverySoundingNoteThenResetsControllersOnUsedChannels) {
  NoteLedger l;
  l.record(1, on(2, 60));
  l.record(1, on(2, 60));  // struck twice: two note-offs owed
  l.record(1, on(9, 36));
  l.record(1, ShortMessage{0xB5, 7, 100});  // volume on channel 5: used, nothing sounding
  l.record(0, on(0, 50));                   // another port stays untouched
  auto msgs = panic_of(l, 1);
  std::vector<ShortMessage> want{off(2, 60), off(2, 60), off(9, 36)};
  for (auto& m : want) m.data2 = 0;
  for (int ch : {2, 5, 9})
    for (std::uint8_t cc : {64, 123, 120}) want.push_back({static_cast<std::uint8_t>(0xB0 | ch), cc, 0});
  EXPECT_EQ(msgs, want);
  EXPECT_EQ(l.sounding(1), 0);
  EXPECT_TRUE(panic_of(l, 1).empty()) << "a second panic has nothing left to do";
  EXPECT_EQ(l.sounding(0), 1);
}

TEST(NoteLedger, StartUpPanicCoversConfiguredChannels) {
  NoteLedger l;
  auto msgs = panic_of(l, 0, (1u << 0) | (1u << 3));
  ASSERT_EQ(msgs.size(), 6u);
  EXPECT_EQ(msgs[0], (ShortMessage{0xB0, 64, 0}));
  EXPECT_EQ(msgs[3], (ShortMessage{0xB3, 64, 0}));
}

TEST(NoteLedger, RandomStreamsEndSilentAfterPanic) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    NoteLedger l;
    std::vector<int> owed(16 * 128, 0);
    for (int i = 0; i < 2000; ++i) {
      int ch = static_cast<int>(rng() % 3), key = 40 + static_cast<int>(rng() % 8);
      if (rng() % 2) {
        l.record(0, on(ch, key));
        owed[static_cast<std::size_t>(ch * 128 + key)]++;
      } else {
        l.record(0, off(ch, key));
        auto& o = owed[static_cast<std::size_t>(ch * 128 + key)];
        if (o > 0) --o;
      }
    }
    // Replaying the panic onto the model of the synth leaves nothing owed.
    for (const auto& m : panic_of(l, 0))
      if ((m.status & 0xF0) == 0x80) owed[static_cast<std::size_t>((m.status & 15) * 128 + m.data1)]--;
    for (int o : owed) ASSERT_EQ(o, 0);
  }
}

// A port buffer that takes only a few messages: the ledger keeps what was not
// written, and the next panic call writes exactly the rest, each message once.
TEST(NoteLedger, APanicCutShortGoesOnWhereItStopped) {
  NoteLedger whole, cut;
  for (NoteLedger* l : {&whole, &cut}) {
    l->record(0, on(2, 60));
    l->record(0, on(2, 60));
    l->record(0, on(9, 36));
    l->record(0, ShortMessage{0xB5, 7, 100});
  }
  const auto expected = panic_of(whole, 0, 1u << 12);
  std::vector<ShortMessage> got;
  int calls = 0;
  for (bool done = false; !done && calls < 20; ++calls) {
    int room = 4;
    done = cut.panic(
        0,
        [&](ShortMessage m) {
          if (room == 0) return false;
          --room;
          got.push_back(m);
          return true;
        },
        calls == 0 ? 1u << 12 : 0);
    if (!done) {
      EXPECT_GT(cut.sounding(0) + cut.channel_used(0, 12) + cut.channel_used(0, 9), 0);
    }
  }
  EXPECT_EQ(calls, 4);  // 3 note-offs and 4 channels x 3 controllers, 4 a call
  EXPECT_EQ(got, expected);
  EXPECT_EQ(cut.sounding(0), 0);
  EXPECT_FALSE(cut.channel_used(0, 12));
  std::vector<ShortMessage> none;
  EXPECT_TRUE(cut.panic(0, [&](ShortMessage m) { none.push_back(m); return true; }));
  EXPECT_TRUE(none.empty());
}

TEST(NoteLedger, ANoteWhoseOffWasNotWrittenStillSounds) {
  NoteLedger l;
  l.record(0, on(0, 60));
  EXPECT_FALSE(l.panic(0, [](ShortMessage) { return false; }));
  EXPECT_EQ(l.depth(0, 0, 60), 1);
  EXPECT_TRUE(l.channel_used(0, 0));
}

TEST(NoteLedger, PortsOutOfRangeAreRefused) {
  NoteLedger l;
  EXPECT_FALSE(l.record(NoteLedger::kMaxPorts, on(0, 60)));
  EXPECT_FALSE(l.record(-1, on(0, 60)));
  EXPECT_EQ(l.sounding(-1), 0);
}

}  // namespace
}  // namespace clara
