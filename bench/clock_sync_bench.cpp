// MIDI Clock following, measured on a simulated duet grid: a master at 90, 120 and 177 bpm
// and a 100 -> 140 bpm ramp over 8 bars, its ticks moved by uniform ±1 ms jitter (seeds
// 1..SEEDS), fed to core/tempo's MidiClock; ClockSteering sets the grid's tempo (the engine's
// TempoMap) at the frontier, which runs one step ahead of the clock at 12 steps a beat (clarad's
// defaults with notewise models). The figure is every grid step's time against the master's
// ideal time of its position, from the third bar on: p50, p99, max. The baseline, in the same
// run, is the same steering fed by a high-gain clock (the estimator told the jitter is 0.05 ms,
// without the adaptive drift noise: close to taking each tick as it came). Also the cost of one tick through the
// clock (median, p99 over all ticks, after a warm-up run).
//   usage: clock_sync_bench [SEEDS]   (default 20)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "core/duet/tempo_map.hpp"
#include "core/tempo/clock_steering.hpp"
#include "core/tempo/midi_clock.hpp"

namespace {

using namespace clara;

struct Master {
  double bpm0, bpm1, ramp_from, ramp_ticks;
  double time_of(double x) const {  // ns after song tick 0
    const double k = 60e9 / 24;
    if (ramp_ticks <= 0 || x <= ramp_from) return x * k / bpm0;
    double t = ramp_from * k / bpm0;
    const double in = std::min(x, ramp_from + ramp_ticks) - ramp_from;
    const double slope = (bpm1 - bpm0) / ramp_ticks;
    t += k / slope * std::log((bpm0 + slope * in) / bpm0);
    if (x > ramp_from + ramp_ticks) t += (x - ramp_from - ramp_ticks) * k / bpm1;
    return t;
  }
};

struct Result {
  std::vector<double> errors_ms;
  std::vector<double> tick_ns;
};

void simulate(const Master& m, int bars, unsigned seed, const MidiClockConfig& config, Result& r) {
  constexpr int sf = 12, lead = 96;
  const double origin = 2e9;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> jitter(-1e6, 1e6);
  std::vector<std::int64_t> arrivals;
  for (int i = -lead; i <= bars * 96; ++i) arrivals.push_back(std::llround(origin + m.time_of(i) + jitter(rng)));
  MidiClock clock(config);
  ClockSteering steering;
  TempoMap map(sf, 120, std::llround(origin + m.time_of(-lead)) + 77'777'777);
  std::int64_t frontier = 0;
  std::size_t next = 0;
  const auto end = static_cast<std::int64_t>(origin + m.time_of(bars * 96));
  for (std::int64_t now = arrivals.front(); now < end; now += 1'000'000) {
    while (next < arrivals.size() && arrivals[next] <= now) {
      if (static_cast<int>(next) == lead) clock.message({0xFA}, arrivals[next] - 1000);
      const auto t0 = std::chrono::steady_clock::now();
      clock.message({0xF8}, arrivals[next++]);
      r.tick_ns.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count());
    }
    clock.poll(now);
    const double step = 60e9 / (map.bpm() * sf);
    while (static_cast<double>(map.time_of(frontier)) < static_cast<double>(now) + step) {
      if (steering.aligned(frontier)) {
        const double tick = steering.song_tick_of(frontier, sf);
        if (tick >= 192)
          r.errors_ms.push_back(std::abs(static_cast<double>(map.time_of(frontier)) - origin - m.time_of(tick)) / 1e6);
      }
      ++frontier;
    }
    if (clock.locked() && clock.running())
      if (auto bpm = steering.update(clock, {frontier, map.time_of(frontier), map.bpm(), sf, 4}))
        map.set_tempo(frontier, *bpm);
  }
}

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size()))) - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  const int seeds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;
  MidiClockConfig smoothed;
  MidiClockConfig naive;  // the baseline: every tick believed
  naive.estimator.jitter_ms = 0.05;
  naive.estimator.jerk = 1e-8;
  naive.estimator.boost = 1;
  naive.estimator.outlier_sigmas = 1e6;
  naive.estimator.outlier_floor_ms = 1e6;
  const struct {
    const char* name;
    Master m;
    int bars;
  } cases[] = {{"90 bpm", {90, 90, 0, 0}, 16},
               {"120 bpm", {120, 120, 0, 0}, 16},
               {"177 bpm", {177, 177, 0, 0}, 16},
               {"ramp 100->140/8 bars", {100, 140, 2 * 96, 8 * 96}, 14}};
  Result warm;
  simulate(cases[1].m, 4, 999, smoothed, warm);  // warm-up, not counted
  std::printf("clock_sync_bench: %d seeds, ±1 ms jitter; onset error of grid steps from bar 3 (ms)\n", seeds);
  std::printf("%-22s %8s %8s %8s | %8s %8s %8s | %s\n", "master", "p50", "p99", "max", "base p50", "base p99",
              "base max", "p99 ratio base/ours");
  std::vector<double> all_ticks;
  for (const auto& c : cases) {
    Result ours, base;
    for (int s = 1; s <= seeds; ++s) {
      simulate(c.m, c.bars, static_cast<unsigned>(s), smoothed, ours);
      simulate(c.m, c.bars, static_cast<unsigned>(s), naive, base);
    }
    all_ticks.insert(all_ticks.end(), ours.tick_ns.begin(), ours.tick_ns.end());
    const double p99 = quantile(ours.errors_ms, 0.99), bp99 = quantile(base.errors_ms, 0.99);
    std::printf("%-22s %8.3f %8.3f %8.3f | %8.3f %8.3f %8.3f | %.1fx\n", c.name, quantile(ours.errors_ms, 0.5), p99,
                quantile(ours.errors_ms, 1.0), quantile(base.errors_ms, 0.5), bp99, quantile(base.errors_ms, 1.0),
                bp99 / p99);
  }
  std::printf("one tick through MidiClock: median %.0f ns, p99 %.0f ns, max %.0f ns (%zu ticks)\n",
              quantile(all_ticks, 0.5), quantile(all_ticks, 0.99), quantile(all_ticks, 1.0), all_ticks.size());
  return 0;
}
