#include "core/tempo/midi_clock.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "tests/core/tempo/clock_master.hpp"

namespace clara {
namespace {

using testing::ClockMaster;

constexpr ShortMessage kTick{0xF8}, kStart{0xFA}, kContinue{0xFB}, kStop{0xFC};

std::int64_t at(const ClockMaster& m, double tick) { return std::llround(m.time_of(tick)); }

TEST(MidiClock, StartPutsSongPositionZeroOnTheNextTick) {
  ClockMaster m;
  MidiClock c;
  for (int i = -30; i < 0; ++i) EXPECT_EQ(c.message(kTick, at(m, i)), ClockEvent::none);
  EXPECT_TRUE(c.locked());  // ticks while stopped lock the tempo
  EXPECT_FALSE(c.running());
  EXPECT_EQ(c.message(kStart, at(m, -0.5)), ClockEvent::none);
  EXPECT_FALSE(c.running());
  EXPECT_EQ(c.message(kTick, at(m, 0)), ClockEvent::started);
  EXPECT_TRUE(c.running());
  for (int i = 1; i < 48; ++i) c.message(kTick, at(m, i));
  EXPECT_NEAR(c.song_tick_at(at(m, 96)), 96, 1e-3);
  EXPECT_NEAR(c.time_of_song_tick(96), m.time_of(96), 1000);
  EXPECT_NEAR(c.bpm(), 120, 1e-6);
  EXPECT_EQ(c.next_song_tick(), 48);
}

TEST(MidiClock, StopFreezesAndContinueResumesWhereItStopped) {
  ClockMaster m;
  MidiClock c;
  c.message(kStart, at(m, -0.5));
  for (int i = 0; i < 50; ++i) c.message(kTick, at(m, i));
  EXPECT_EQ(c.message(kStop, at(m, 49.5)), ClockEvent::stopped);
  EXPECT_FALSE(c.running());
  EXPECT_EQ(c.next_song_tick(), 50);
  // The master keeps sending clock while stopped: the position does not move.
  for (int i = 50; i < 80; ++i) EXPECT_EQ(c.message(kTick, at(m, i)), ClockEvent::none);
  EXPECT_EQ(c.next_song_tick(), 50);
  EXPECT_EQ(c.message(kContinue, at(m, 79.5)), ClockEvent::none);
  EXPECT_EQ(c.message(kTick, at(m, 80)), ClockEvent::continued);
  EXPECT_TRUE(c.running());
  // Tick 80 of the clock is song tick 50.
  EXPECT_NEAR(c.time_of_song_tick(50), m.time_of(80), 1000);
  EXPECT_EQ(c.message(kStop, at(m, 80.5)), ClockEvent::stopped);
  EXPECT_EQ(c.message(kStop, at(m, 80.6)), ClockEvent::none);  // a second Stop changes nothing
}

TEST(MidiClock, SongPositionPointerMovesThePositionOnlyWhileStopped) {
  ClockMaster m;
  MidiClock c;
  for (int i = 0; i < 30; ++i) c.message(kTick, at(m, i));
  // 0xF2 LSB MSB in sixteenths: 130 sixteenths = 780 ticks.
  EXPECT_EQ(c.message({0xF2, 130 & 0x7F, 130 >> 7}, at(m, 29.5)), ClockEvent::position);
  EXPECT_EQ(c.next_song_tick(), 780);
  c.message(kContinue, at(m, 29.6));
  EXPECT_EQ(c.message(kTick, at(m, 30)), ClockEvent::continued);
  EXPECT_NEAR(c.song_tick_at(at(m, 30)), 780, 1e-3);
  EXPECT_EQ(c.message({0xF2, 0, 0}, at(m, 30.5)), ClockEvent::none);  // ignored while running
  EXPECT_EQ(c.next_song_tick(), 781);
}

TEST(MidiClock, AShortDropoutIsHeldAndCountedALongOneIsLost) {
  ClockMaster m;
  MidiClock c;
  c.message(kStart, at(m, -0.5));
  for (int i = 0; i < 48; ++i) c.message(kTick, at(m, i));
  EXPECT_FALSE(c.holding(at(m, 49)));
  EXPECT_TRUE(c.holding(at(m, 51)));
  EXPECT_EQ(c.poll(at(m, 60)), ClockEvent::none);
  // Ticks 48..59 never came; 60 did: it is song tick 60, not 48.
  c.message(kTick, at(m, 60));
  EXPECT_EQ(c.next_song_tick(), 61);
  EXPECT_TRUE(c.locked());
  // Now silence for more than two beats.
  EXPECT_EQ(c.poll(at(m, 60 + 47)), ClockEvent::none);
  EXPECT_EQ(c.poll(at(m, 60 + 49)), ClockEvent::lost);
  EXPECT_EQ(c.poll(at(m, 60 + 50)), ClockEvent::none);  // once
  EXPECT_FALSE(c.locked());
  EXPECT_FALSE(c.running());
  // The clock comes back at another tempo: it locks again after lock_ticks, still stopped.
  const double t0 = m.time_of(400);
  for (int k = 0; k < 24; ++k) c.message(kTick, std::llround(t0 + k * 60e9 / (24 * 90)));
  EXPECT_TRUE(c.locked());
  EXPECT_NEAR(c.bpm(), 90, 1e-6);
  EXPECT_FALSE(c.running());
}

TEST(MidiClock, ATickLateByMoreThanHalfAPeriodIsStillOneTick) {
  // A JACK xrun can move a tick's time by most of a period: it must not count as two.
  ClockMaster m;
  MidiClock c;
  c.message(kStart, at(m, -0.5));
  for (int i = 0; i < 48; ++i) c.message(kTick, at(m, i));
  c.message(kTick, at(m, 48.65));
  EXPECT_EQ(c.next_song_tick(), 49);
  c.message(kTick, at(m, 49));
  EXPECT_EQ(c.next_song_tick(), 50);
  EXPECT_NEAR(c.time_of_song_tick(60), m.time_of(60), 0.5e6);
}

TEST(MidiClock, IgnoresOtherMessagesAndRefusesBadConfig) {
  MidiClock c;
  EXPECT_EQ(c.message({0x90, 60, 100}, 0), ClockEvent::none);
  EXPECT_EQ(c.message({0xFE}, 0), ClockEvent::none);  // active sensing
  EXPECT_EQ(c.ticks_seen(), 0u);
  EXPECT_TRUE(MidiClock::is_clock_message({0xF2, 1, 2}));
  EXPECT_FALSE(MidiClock::is_clock_message({0xFE}));
  MidiClockConfig bad;
  bad.lost_periods = 2;
  EXPECT_THROW(MidiClock{bad}, std::invalid_argument);
}

}  // namespace
}  // namespace clara
