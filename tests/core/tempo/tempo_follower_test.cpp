#include "core/tempo/tempo_follower.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/core/tempo/performer.hpp"

namespace clara {
namespace {

// A locked human at `bpm` whose beat falls at `beat_ns`.
BeatPrediction human(double bpm, std::int64_t next_beat_ns) {
  BeatPrediction p;
  p.bpm = bpm;
  p.period_ns = 60e9 / bpm;
  p.next_beat_ns = next_beat_ns;
  p.locked = true;
  p.confidence = 1;
  return p;
}

TEST(TempoFollower, HoldsTheGridWhileTheTrackerIsNeitherLockedNorConfident) {
  TempoFollower f;
  BeatPrediction p = human(90, 0);
  p.locked = false;
  p.confidence = 0.7;
  EXPECT_FALSE(f.update(p, {0, 0.0, 120}).has_value());
  // Confident enough before the lock: it follows.
  p.confidence = 0.8;
  const auto bpm = f.update(p, {0, 1.0, 120});
  ASSERT_TRUE(bpm.has_value());
  EXPECT_NEAR(*bpm, 90, 1e-9);
}

TEST(TempoFollower, InPhaseItSetsTheHumansTempoAndIgnoresTinyChanges) {
  TempoFollower f;
  // The grid's beat 4 at 2 s; the human's beat falls there too, at 100 bpm.
  const auto bpm = f.update(human(100, 2'000'000'000), {2'000'000'000, 4.0, 120});
  ASSERT_TRUE(bpm.has_value());
  EXPECT_NEAR(*bpm, 100, 1e-9);
  // 0.05% off, in phase, a beat later: no change (under min_change, 0.1%); 0.3% off: a change.
  EXPECT_FALSE(f.update(human(100.05, 2'600'000'000), {2'600'000'000, 5.0, 100}).has_value());
  const auto later = f.update(human(100.3, 3'200'000'000), {3'200'000'000, 6.0, 100});
  ASSERT_TRUE(later.has_value());
  EXPECT_NEAR(*later, 100.3, 1e-9);
}

TEST(TempoFollower, ALateGridRunsFasterBoundedByMaxPull) {
  TempoFollower f;
  // The human's beat came 0.1 beat before the grid's: pull = 0.1 / 2 beats = 5% faster.
  const auto a = f.update(human(120, 2'000'000'000 - 50'000'000), {2'000'000'000, 4.0, 120});
  ASSERT_TRUE(a.has_value());
  EXPECT_NEAR(*a, 126, 1e-6);
  TempoFollower g;
  const auto b = g.update(human(120, 2'000'000'000 - 200'000'000), {2'000'000'000, 4.0, 120});
  ASSERT_TRUE(b.has_value());
  EXPECT_NEAR(*b, 120 * 1.08, 1e-6);  // 0.4 beat: clamped to max_pull
}

TEST(TempoFollower, ActsAtMostOncePerGridBeat) {
  TempoFollower f;
  EXPECT_TRUE(f.update(human(100, 0), {0, 4.0, 120}).has_value());
  EXPECT_FALSE(f.update(human(90, 0), {50'000'000, 4.1, 100}).has_value());
}

// Closed loop: a simulated grid (beats advancing at the tempo last set, the change taking
// effect at a frontier two steps ahead of the clock) follows a drifting human.
TEST(TempoFollower, ASimulatedGridConvergesOntoTheHumansBeats) {
  test::PerformerOptions o;
  o.bpm = test::drifting(100);
  const test::Performance p = test::perform(o);
  BeatTrackerConfig c;
  c.bpm = 105;
  c.beat0_ns = p.onsets[0].ns;
  BeatTracker tracker(c);
  TempoFollower follower;
  constexpr int kSteps = 12;  // per beat, as notewise
  // The grid: a segment (step, time, bpm) per change, as TempoMap keeps them.
  std::int64_t seg_step = 0;
  double seg_ns = static_cast<double>(p.onsets[0].ns) + 80e6, bpm = 105;  // 80 ms late
  auto time_of = [&](std::int64_t step) { return seg_ns + static_cast<double>(step - seg_step) * 60e9 / (bpm * kSteps); };
  std::vector<double> grid_beats;
  std::size_t i = 0;
  int changes = 0;
  for (std::int64_t step = 0; time_of(step) < p.beat_ns[p.beat_ns.size() - 3]; ++step) {
    const double now = time_of(step);
    if (step % kSteps == 0) grid_beats.push_back(now);
    for (; i < p.onsets.size() && static_cast<double>(p.onsets[i].ns) <= now; ++i)
      tracker.onset(p.onsets[i].ns, p.onsets[i].velocity);
    const std::int64_t frontier = step + 2;
    const GridState g{std::llround(time_of(frontier)), static_cast<double>(frontier) / kSteps, bpm};
    if (auto set = follower.update(tracker.predict(std::llround(now)), g)) {
      seg_ns = time_of(frontier);
      seg_step = frontier;
      bpm = *set;
      ++changes;
    }
  }
  // From bar 4 on every grid beat lies near a true beat.
  std::vector<double> err;
  for (std::size_t b = 16; b < grid_beats.size(); ++b) {
    double best = 1e18;
    for (double t : p.beat_ns) best = std::min(best, std::abs(t - grid_beats[b]));
    err.push_back(best / 1e6);
  }
  std::sort(err.begin(), err.end());
  ASSERT_FALSE(err.empty());
  EXPECT_LT(err[err.size() / 2], 25.0);  // measured 18 ms
  EXPECT_LT(err[err.size() * 99 / 100], 60.0);  // measured 45 ms
  EXPECT_LT(changes, static_cast<int>(grid_beats.size()));  // not a change every beat
}

}  // namespace
}  // namespace clara
