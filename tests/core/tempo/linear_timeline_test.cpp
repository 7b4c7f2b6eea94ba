#include "core/tempo/linear_timeline.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "core/duet/tempo_map.hpp"
#include "core/tempo/clock_steering.hpp"

namespace clara {
namespace {

TEST(LinearTimeline, MapsBeatsAndTimesBothWays) {
  const LinearTimeline t(120, 8, 1'000'000'000);
  EXPECT_DOUBLE_EQ(t.beat_at(1'000'000'000), 8);
  EXPECT_DOUBLE_EQ(t.beat_at(1'500'000'000), 9);
  EXPECT_DOUBLE_EQ(t.beat_at(0), 6);
  EXPECT_DOUBLE_EQ(t.time_of_beat(10), 2e9);
  EXPECT_DOUBLE_EQ(t.song_tick_at(1'500'000'000), 9 * 24);
  EXPECT_DOUBLE_EQ(t.time_of_song_tick(10 * 24), 2e9);
  EXPECT_DOUBLE_EQ(t.bpm(), 120);
}

TEST(LinearTimeline, RefusesATempoOfZeroOrNotANumber) {
  EXPECT_THROW(LinearTimeline(0, 0, 0), std::invalid_argument);
  EXPECT_THROW(LinearTimeline(-1, 0, 0), std::invalid_argument);
  EXPECT_THROW(LinearTimeline(NAN, 0, 0), std::invalid_argument);
  EXPECT_THROW(LinearTimeline(120, INFINITY, 0), std::invalid_argument);
}

// A Link session seen by the daemon: its timeline captured each millisecond, the grid committed
// a step ahead at the tempo map's times, the steering setting the tempo at the frontier. The
// session runs at `bpm` with its bar line (beat a multiple of 4) at an arbitrary phase of the
// grid's, and changes to `then_bpm` at `change_ns` (beat continuous there, as Link's setTempo does).
struct SteeredRun {
  std::vector<double> error_ms;  // each committed step from the anchor on, minus the session's time of it
  std::vector<std::int64_t> error_at_ns;
};
SteeredRun follow(double bpm, double then_bpm, std::int64_t change_ns, std::int64_t end_ns) {
  const int sf = 12;
  const double beat0 = 1.37;  // the session's beat at time 0: its bar line is not the grid's
  const LinearTimeline before(bpm, beat0, 0);
  const LinearTimeline after(then_bpm, before.beat_at(change_ns), change_ns);
  auto session = [&](std::int64_t now) { return now < change_ns ? before : after; };
  auto time_of_beat = [&](double b) {
    return b < after.beat_at(change_ns) ? before.time_of_beat(b) : after.time_of_beat(b);
  };
  ClockSteering steering;
  TempoMap map(sf, 100, 3'000'000);  // the grid starts at another tempo and phase
  std::int64_t frontier = 0;
  SteeredRun run;
  for (std::int64_t now = 0; now < end_ns; now += 1'000'000) {
    const double step = 60e9 / (map.bpm() * sf);
    while (static_cast<double>(map.time_of(frontier)) < static_cast<double>(now) + step) {
      if (steering.aligned(frontier)) {
        const double beat = steering.song_tick_of(frontier, sf) / 24.0;
        run.error_ms.push_back((static_cast<double>(map.time_of(frontier)) - time_of_beat(beat)) / 1e6);
        run.error_at_ns.push_back(map.time_of(frontier));
      }
      ++frontier;
    }
    const ClockGrid g{frontier, map.time_of(frontier), map.bpm(), sf, 4};
    if (auto b = steering.update(session(now), g)) map.set_tempo(frontier, *b);
  }
  return run;
}

TEST(LinearTimeline, SteeringPutsTheGridOnTheSessionsBarsWithinAStep) {
  const SteeredRun r = follow(120, 120, 1'000'000'000'000, 60'000'000'000);
  ASSERT_GT(r.error_ms.size(), 1000u);
  ASSERT_LT(r.error_at_ns.front(), 4'000'000'000);  // aligned within two of the session's bars (2 s each)
  double worst = 0;
  for (double e : r.error_ms) worst = std::max(worst, std::abs(e));
  EXPECT_LT(worst, 0.25);  // the steering's tolerance, and nothing of an estimator's
}

TEST(LinearTimeline, SteeringFollowsATempoChangeWithinABar) {
  const std::int64_t change = 20'000'000'000;
  const SteeredRun r = follow(120, 90, change, 40'000'000'000);
  const std::int64_t bar_after = change + 4 * 60'000'000'000 / 90;
  double worst = 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < r.error_ms.size(); ++i)
    if (r.error_at_ns[i] >= bar_after) {
      worst = std::max(worst, std::abs(r.error_ms[i]));
      ++n;
    }
  ASSERT_GT(n, 250u);  // 20 s at 90 bpm less a bar: 312 steps
  EXPECT_LT(worst, 0.25);
}

}  // namespace
}  // namespace clara
