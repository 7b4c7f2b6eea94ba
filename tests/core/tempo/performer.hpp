#pragma once
// A synthetic human for the tempo tests: a rhythm pattern played along a tempo curve,
// with Gaussian timing noise, chords, grace notes. Seeded and portable (mt19937_64 and
// Box-Muller: the same onsets on every standard library).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numbers>
#include <random>
#include <vector>

namespace clara::test {

struct PlayedOnset {
  std::int64_t ns;
  int velocity;
};

class Normal {
 public:
  explicit Normal(std::uint64_t seed) : rng_(seed) {}
  double operator()() {
    const double u1 = (static_cast<double>(rng_() >> 11) + 0.5) / 9007199254740992.0;
    const double u2 = static_cast<double>(rng_() >> 11) / 9007199254740992.0;
    return std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
  }
  double uniform() { return static_cast<double>(rng_() >> 11) / 9007199254740992.0; }

 private:
  std::mt19937_64 rng_;
};

struct Performance {
  std::vector<double> beat_ns;       // the true beats
  std::vector<double> beat_bpm;      // the true tempo during beat k
  std::vector<PlayedOnset> onsets;   // sorted
  // The true time of beat position q (beats, fractional).
  double time_of(double q) const {
    const auto k = static_cast<std::size_t>(std::floor(q));
    if (k + 1 >= beat_ns.size()) return beat_ns.back();
    return beat_ns[k] + (q - std::floor(q)) * (beat_ns[k + 1] - beat_ns[k]);
  }
};

struct PerformerOptions {
  std::function<double(double)> bpm;          // tempo at beat q
  std::vector<double> bar = {0, 1, 1.5, 2, 3, 3.5};  // onsets in one 4/4 bar, beats
  std::vector<double> chords = {0, 2};        // bar positions played as 3-note chords
  int bars = 16;
  double noise_ms = 15;
  bool grace_notes = false;   // a grace note 40-80 ms before each chord
  std::uint64_t seed = 1;
  double start_ns = 1e9;
};

inline Performance perform(const PerformerOptions& o) {
  Performance p;
  const int beats = o.bars * 4 + 2;
  double t = o.start_ns;
  for (int k = 0; k <= beats; ++k) {
    p.beat_ns.push_back(t);
    const double bpm = o.bpm(k + 0.5);
    p.beat_bpm.push_back(bpm);
    t += 60e9 / bpm;
  }
  Normal n(o.seed);
  for (int b = 0; b < o.bars; ++b) {
    for (double q : o.bar) {
      const double at = p.time_of(b * 4 + q) + n() * o.noise_ms * 1e6;
      const bool chord = std::find(o.chords.begin(), o.chords.end(), q) != o.chords.end();
      if (chord && o.grace_notes) p.onsets.push_back({std::llround(at - (40 + 40 * n.uniform()) * 1e6), 50});
      p.onsets.push_back({std::llround(at), chord ? 90 : 70});
      if (chord)
        for (int i = 0; i < 2; ++i) p.onsets.push_back({std::llround(at + 4e6 * std::abs(n()) + 1e6), 80});
    }
  }
  std::sort(p.onsets.begin(), p.onsets.end(), [](auto& a, auto& b) { return a.ns < b.ns; });
  return p;
}

// +-3% around `bpm`: a slow curve (one cycle in 16 bars).
inline std::function<double(double)> drifting(double bpm, double phase = 0) {
  return [=](double q) { return bpm * (1 + 0.03 * std::sin(2 * std::numbers::pi * q / 64 + phase)); };
}

}  // namespace clara::test

#include "core/tempo/beat_tracker.hpp"

namespace clara::test {

// Feeds a performance to a tracker, asking a quarter beat before each true beat where
// the next beat will fall: what the follower relies on.
struct Tracking {
  std::vector<double> beat_error_ms;  // |predicted - true|, beats from `from_beat` on
  double worst_tempo_error = 0;       // |bpm / true bpm - 1|, same beats
  bool ever_locked = false;
  double p(double q) const {
    std::vector<double> e = beat_error_ms;
    std::sort(e.begin(), e.end());
    return e.empty() ? 0 : e[std::min(e.size() - 1, static_cast<std::size_t>(q * static_cast<double>(e.size())))];
  }
};

inline Tracking track(const Performance& p, BeatTracker& tracker, std::size_t from_beat) {
  Tracking r;
  std::size_t i = 0;
  for (std::size_t k = 1; k + 1 < p.beat_ns.size(); ++k) {
    const double ask = p.beat_ns[k] - 0.25 * (p.beat_ns[k] - p.beat_ns[k - 1]);
    for (; i < p.onsets.size() && static_cast<double>(p.onsets[i].ns) < ask; ++i)
      tracker.onset(p.onsets[i].ns, p.onsets[i].velocity);
    const BeatPrediction pr = tracker.predict(std::llround(ask));
    r.ever_locked = r.ever_locked || pr.locked;
    if (k < from_beat) continue;
    r.beat_error_ms.push_back(std::abs(static_cast<double>(pr.next_beat_ns) - p.beat_ns[k]) / 1e6);
    r.worst_tempo_error = std::max(r.worst_tempo_error, std::abs(pr.bpm / p.beat_bpm[k] - 1));
  }
  return r;
}

}  // namespace clara::test
