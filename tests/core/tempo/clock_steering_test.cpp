#include "core/tempo/clock_steering.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "core/duet/tempo_map.hpp"
#include "core/tempo/midi_clock.hpp"
#include "tests/core/tempo/clock_master.hpp"

namespace clara {
namespace {

using testing::ClockMaster;

struct Onset {
  std::int64_t step;
  double error_ms;   // committed time minus the master's true time of its position
  double song_tick;  // the master's position the step was put on
};

struct SimRun {
  std::vector<Onset> onsets;  // committed steps from the anchor bar line on
  std::int64_t anchor_step = -1;
  double anchor_tick = -1;
  std::uint64_t tempo_changes = 0, alignments = 0;
};

// The daemon's loop in miniature: every millisecond the ticks that arrived go to the
// clock, the grid commits what falls due within the commit horizon (as the engine does,
// at the time its tempo map gives then), and the steering may set the tempo at the
// frontier. The master sends a bar of clock before Start (as most do while stopped).
SimRun simulate(const ClockMaster& m, double end_tick, double jitter_ms, unsigned seed, int sample_freq = 12,
             int commit_steps = 1, double grid_bpm = 120) {
  MidiClock clock;
  ClockSteering steering;
  const int first = -96;
  const auto arrivals = m.arrivals(first, static_cast<int>(end_tick), jitter_ms, seed);
  const auto start_ns = static_cast<std::int64_t>(m.time_of(-0.5));
  TempoMap map(sample_freq, grid_bpm, static_cast<std::int64_t>(m.time_of(first)) + 123'456'789);
  std::int64_t frontier = 0;
  std::size_t next = 0;
  bool start_sent = false;
  SimRun run;
  const auto end_ns = static_cast<std::int64_t>(m.time_of(end_tick));
  for (std::int64_t now = static_cast<std::int64_t>(m.time_of(first)); now < end_ns; now += 1'000'000) {
    while (next < arrivals.size() && arrivals[next] <= now) {
      if (!start_sent && static_cast<int>(next) + first == 0) {
        clock.message({0xFA}, start_ns);
        start_sent = true;
      }
      clock.message({0xF8}, arrivals[next++]);
    }
    clock.poll(now);
    const double step = 60e9 / (map.bpm() * sample_freq);
    while (static_cast<double>(map.time_of(frontier)) < static_cast<double>(now) + commit_steps * step) {
      if (steering.aligned(frontier)) {
        const double tick = steering.song_tick_of(frontier, sample_freq);
        run.onsets.push_back({frontier, (static_cast<double>(map.time_of(frontier)) - m.time_of(tick)) / 1e6, tick});
      }
      ++frontier;
    }
    if (clock.locked() && clock.running()) {
      const ClockGrid g{frontier, map.time_of(frontier), map.bpm(), sample_freq, 4};
      if (auto bpm = steering.update(clock, g)) {
        map.set_tempo(frontier, *bpm);
        ++run.tempo_changes;
      }
    }
  }
  run.anchor_step = steering.anchor_step();
  run.anchor_tick = steering.song_tick_of(steering.anchor_step(), sample_freq);
  run.alignments = steering.alignments();
  return run;
}

struct Figures {
  double p99 = 0, max = 0;
  std::size_t n = 0;
};
Figures figures(const SimRun& r, double from_tick) {
  std::vector<double> e;
  for (const auto& o : r.onsets)
    if (o.song_tick >= from_tick) e.push_back(std::abs(o.error_ms));
  Figures f;
  f.n = e.size();
  if (e.empty()) return f;
  std::sort(e.begin(), e.end());
  f.p99 = e[std::min(e.size() - 1, static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(e.size()))) - 1)];
  f.max = e.back();
  return f;
}

TEST(ClockSteering, LocksBarOnBarWithinTwoBarsAt90And120And177BpmUnderJitter) {
  for (double bpm : {90.0, 120.0, 177.0}) {
    ClockMaster m;
    m.bpm0 = m.bpm1 = bpm;
    const SimRun r = simulate(m, 24 * 4 * 16, 1.0, 42);
    // The grid's bar lines are the master's: the anchor is a bar line of both.
    EXPECT_EQ(r.anchor_step % 48, 0) << bpm;
    EXPECT_EQ(std::fmod(r.anchor_tick, 96.0), 0.0) << bpm;
    EXPECT_LE(r.anchor_tick, 2 * 96.0) << bpm << " bpm: aligned on master bar " << r.anchor_tick / 96 + 1;
    const Figures f = figures(r, 2 * 96.0);
    ASSERT_GT(f.n, 500u);
    std::printf("  %.0f bpm: p99 %.3f ms, max %.3f ms over %zu steps, %llu tempo changes, aligned at bar %.0f\n", bpm,
                f.p99, f.max, f.n, static_cast<unsigned long long>(r.tempo_changes), r.anchor_tick / 96 + 1);
    EXPECT_LT(f.p99, 1.0) << bpm;
    EXPECT_EQ(r.alignments, 1u) << bpm;
  }
}

TEST(ClockSteering, FollowsARamp100To140OverEightBarsWithinThreeMs) {
  ClockMaster m;
  m.bpm0 = 100, m.bpm1 = 140, m.ramp_from = 4 * 96, m.ramp_ticks = 8 * 96;
  const SimRun r = simulate(m, 16 * 96, 1.0, 5);
  const Figures f = figures(r, 2 * 96.0);
  std::printf("  ramp: p99 %.3f ms, max %.3f ms over %zu steps\n", f.p99, f.max, f.n);
  EXPECT_LT(f.max, 3.0);
  EXPECT_EQ(r.alignments, 1u);
}

TEST(ClockSteering, StartAlignsTheGridOnTheMastersBarWhateverTheGridsPhase) {
  // Grids started at three different moments relative to the master (via the tempo they
  // had): each ends bar-aligned, the anchor on a master bar line.
  for (double grid_bpm : {60.0, 97.0, 180.0}) {
    ClockMaster m;
    const SimRun r = simulate(m, 8 * 96, 0.0, 1, 4, 1, grid_bpm);
    ASSERT_GE(r.anchor_step, 0);
    EXPECT_EQ(r.anchor_step % 16, 0) << grid_bpm;
    EXPECT_EQ(std::fmod(r.anchor_tick, 96.0), 0.0) << grid_bpm;
    const Figures f = figures(r, 0);
    EXPECT_LT(f.max, 0.3) << grid_bpm;  // no jitter: only the tolerance remains
  }
}

TEST(ClockSteering, NothingBeforeItIsAlignedAndOutOfReachRealigns) {
  ClockMaster m;
  MidiClock clock;
  for (int i = 0; i < 48; ++i) {
    if (i == 0) clock.message({0xFA}, static_cast<std::int64_t>(m.time_of(-0.5)));
    clock.message({0xF8}, static_cast<std::int64_t>(m.time_of(i)));
  }
  ClockSteering s;
  TempoMap map(4, 120, 0);
  const std::int64_t f = 40;
  const auto bpm = s.update(clock, {f, map.time_of(f), 120, 4, 4});
  ASSERT_TRUE(bpm.has_value());
  EXPECT_FALSE(s.aligned(f));
  EXPECT_TRUE(s.aligned(s.anchor_step()));
  EXPECT_GT(s.anchor_step(), f);
  EXPECT_EQ(s.anchor_step() % 16, 0);
  // Before the anchor: not aligned yet.
  EXPECT_FALSE(s.aligned(f + 1));
  // At the anchor but a second off the master (a stall slid the grid): aligns anew.
  const std::uint64_t before = s.alignments();
  s.update(clock, {s.anchor_step(), static_cast<std::int64_t>(m.time_of(s.song_tick_of(s.anchor_step(), 4))) + 1'000'000'000, 120, 4, 4});
  EXPECT_EQ(s.alignments(), before + 1);
}

}  // namespace
}  // namespace clara
