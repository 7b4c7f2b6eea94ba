#include "core/tempo/beat_tracker.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace clara {
namespace {

// The rhythmic model: where in a beat onsets fall, and how often. Positions are in beats;
// 1 is the next beat, with the mass of 0: on the circle [0, 1) each holds half of it. The rest of the mass is
// spread over the whole beat (ornaments, syncopation nobody can predict).
struct Position {
  double at, mass, strength, tolerance;
};
// strength: how much an onset there may move the oscillator (the beat most, a 16th
// least: it is the likeliest to be misread). tolerance: farther than this (beats) from
// its nearest position an onset is an ornament and moves nothing.
constexpr std::array<Position, 7> kPositions{{{0.0, 0.35, 1.0, 0.11},
                                              {1.0, 0.35, 1.0, 0.11},
                                              {0.5, 0.2, 0.5, 0.07},
                                              {0.25, 0.1, 0.3, 0.045},
                                              {0.75, 0.1, 0.3, 0.045},
                                              {1.0 / 3, 0.05, 0.25, 0.04},
                                              {2.0 / 3, 0.05, 0.25, 0.04}}};
constexpr double kOrnamentMass = 0.15;
// Chords and accents: a chord of n notes is 1 + 0.5 (n - 1) times as salient, up to 3.
constexpr double kChordSalience = 0.5, kMaxSalience = 3.0;
// Induction looks at the onsets of the last kSpanNs, pairs up to kPairSpan onsets apart.
constexpr double kSpanNs = 5e9;
constexpr int kPairSpan = 12;
constexpr double kClusterWidth = 0.05;  // relative: intervals within 5% are one cluster
constexpr int kCandidates = 8;          // clusters evaluated as beat hypotheses
constexpr int kPhaseCandidates = 12;    // recent onsets tried as "a beat falls here"
constexpr int kMinInduction = 6;        // onsets before induction proposes anything
constexpr double kRelockMargin = 0.2;   // nats per onset a hypothesis must explain better by
constexpr int kMinLock = 8;             // onsets since the last relock before locking
constexpr double kConfidenceCentre = 0.3, kConfidenceSlope = 8.0;  // nats per onset

double gauss(double x, double sigma) {
  return std::exp(-0.5 * (x / sigma) * (x / sigma)) / (sigma * std::sqrt(2 * std::numbers::pi));
}

}  // namespace

void BeatTrackerConfig::validate() const {
  auto fail = [](const std::string& what) {
    throw std::invalid_argument("BeatTrackerConfig: " + what);
  };
  if (!(min_bpm > 0 && max_bpm > min_bpm)) fail("min_bpm/max_bpm must satisfy 0 < min_bpm < max_bpm");
  if (!(bpm >= min_bpm && bpm <= max_bpm))
    fail("bpm = " + std::to_string(bpm) + " is not within [min_bpm, max_bpm]");
  if (!(prior_octaves > 0)) fail("prior_octaves must be > 0");
  if (chord_window_ns < 0) fail("chord_window_ns must be >= 0");
  if (!(max_tempo_change_per_beat > 0 && max_tempo_change_per_beat < 1))
    fail("max_tempo_change_per_beat must be in (0, 1)");
  if (!(max_phase_step > 0 && max_phase_step <= 0.5)) fail("max_phase_step must be in (0, 0.5]");
  if (!(phase_gain >= 0 && phase_gain <= 1)) fail("phase_gain must be in [0, 1]");
  if (!(period_gain >= 0 && period_gain <= 1)) fail("period_gain must be in [0, 1]");
  if (timing_noise_ns <= 0) fail("timing_noise_ns must be > 0");
  if (!(unlock_below >= 0 && lock_above <= 1 && unlock_below < lock_above))
    fail("need 0 <= unlock_below < lock_above <= 1");
}

BeatTracker::BeatTracker(const BeatTrackerConfig& config)
    : config_((config.validate(), config)),
      period_(60e9 / config.bpm),
      anchor_ns_(static_cast<double>(config.beat0_ns)) {}

BeatTracker::Fit BeatTracker::fit(double ns, double anchor_ns, double anchor_beat, double period) const {
  const double x = (ns - anchor_ns) / period + anchor_beat;
  const double base = std::floor(x);
  const double frac = x - base;
  // Timing noise in beats; past a quarter beat the positions blur into one another.
  const double sigma = std::min(static_cast<double>(config_.timing_noise_ns) / period, 0.25);
  Fit f;
  double density = kOrnamentMass, nearest = 2;
  for (const Position& p : kPositions) {
    const double d = frac - p.at;
    density += p.mass * gauss(d, sigma);
    if (std::abs(d) < nearest) {
      nearest = std::abs(d);
      f.position = base + p.at;
      f.deviation = d;
      f.strength = std::abs(d) <= std::max(p.tolerance, 0.0) ? p.strength : 0.0;
    }
  }
  f.log_lr = std::log(density);  // against the uniform density, 1 per beat
  return f;
}

void BeatTracker::onset(std::int64_t time_ns, int velocity) {
  ++stats_.onsets;
  const double t = static_cast<double>(time_ns);
  const double accent = velocity > 0 ? 0.5 + std::min(velocity, 127) / 127.0 : 1.0;
  if (any_onset_ && t - chord_start_ns_ < static_cast<double>(config_.chord_window_ns)) {
    // Part of the chord that began at chord_start_ns_: counted once, but a chord is salient.
    ++stats_.merged;
    Onset& last = history_[static_cast<std::size_t>((head_ + kHistory - 1) % kHistory)];
    last.salience = std::min(last.salience + kChordSalience * accent, kMaxSalience * 1.5);
    return;
  }
  any_onset_ = true;
  chord_start_ns_ = t;
  history_[static_cast<std::size_t>(head_)] = {t, accent};
  head_ = (head_ + 1) % kHistory;
  count_ = std::min(count_ + 1, kHistory);

  // Out of sample: the confidence judges the prediction made before this onset.
  update_confidence(fit(t, anchor_ns_, anchor_beat_, period_).log_lr);
  correct(t);
  if (!locked_) induce(t);
}

void BeatTracker::correct(double t) {
  const Fit f = fit(t, anchor_ns_, anchor_beat_, period_);
  if (f.strength == 0.0) {
    ++stats_.rejected;
    return;
  }
  // Re-anchor on the beat nearest the onset, so the corrected period extrapolates from now.
  const double x = (t - anchor_ns_) / period_ + anchor_beat_;
  const double k = std::round(x);
  anchor_ns_ += (k - anchor_beat_) * period_;
  anchor_beat_ = k;

  // The oscillator's focus: the nearer the predicted position, the more an onset counts
  // (Large & Kolen); a noisy or ornamented onset still counts a little.
  // Unlocked, the focus is wide (every onset within tolerance pulls, so a wrong start
  // converges); locked, it narrows to the timing noise, so ornaments pull little.
  const double sigma =
      locked_ ? std::clamp(1.5 * static_cast<double>(config_.timing_noise_ns) / period_, 0.05, 0.12) : 0.2;
  const double w = f.strength * std::exp(-0.5 * (f.deviation / sigma) * (f.deviation / sigma));

  const double phase = std::clamp(config_.phase_gain * w * f.deviation, -config_.max_phase_step,
                                  config_.max_phase_step);
  // The period may change by max_tempo_change_per_beat for each beat since the last
  // correction (a quarter beat at least, four at most: after a pause the human may come
  // back at another tempo, but one onset is not evidence enough for more).
  const double elapsed = std::clamp(x - last_correction_beat_, 0.25, 4.0);
  const double bound = config_.max_tempo_change_per_beat * elapsed;
  const double change = std::clamp(config_.period_gain * w * f.deviation, -bound, bound);
  anchor_ns_ += phase * period_;
  period_ = std::clamp(period_ * (1 + change), 60e9 / config_.max_bpm, 60e9 / config_.min_bpm);
  last_correction_beat_ = x;
}

void BeatTracker::update_confidence(double log_lr) {
  if (lr_count_ == kWindow) lr_sum_ -= lr_[static_cast<std::size_t>(lr_head_)];
  lr_[static_cast<std::size_t>(lr_head_)] = log_lr;
  lr_sum_ += log_lr;
  lr_head_ = (lr_head_ + 1) % kWindow;
  lr_count_ = std::min(lr_count_ + 1, kWindow);
  // Fewer than kMinLock onsets count as the missing ones having said nothing (0 nats).
  const double mean = lr_sum_ / std::max(lr_count_, kMinLock);
  confidence_ = 1 / (1 + std::exp(-kConfidenceSlope * (mean - kConfidenceCentre)));
  if (locked_ && confidence_ < config_.unlock_below) locked_ = false;
  if (!locked_ && lr_count_ >= kMinLock && confidence_ >= config_.lock_above) locked_ = true;
}

double BeatTracker::prior(double period) const {
  const double octaves = std::log2(period * config_.bpm / 60e9);
  return -0.5 * (octaves / config_.prior_octaves) * (octaves / config_.prior_octaves);
}

// How well a beat grid (`period`, a beat at `anchor_ns`) explains the onsets of the
// last kSpanNs before history onset `last`: their mean log likelihood ratio, weighted by
// salience. A mean, not a sum, so that the prior (per onset too) weighs the same however
// many onsets there are: a slower grid explains the same onsets more sharply (the timing
// noise is a smaller part of its beat), and only the prior keeps it from always winning.
double BeatTracker::explain(double period, double anchor_ns, int last) const {
  const double end = history_[static_cast<std::size_t>(last)].ns;
  double sum = 0, weight = 0;
  for (int i = 0; i < count_; ++i) {
    const Onset& o = history_[static_cast<std::size_t>((last - i + kHistory) % kHistory)];
    if (end - o.ns > kSpanNs) break;
    sum += o.salience * fit(o.ns, anchor_ns, 0, period).log_lr;
    weight += o.salience;
  }
  return sum / weight;
}

void BeatTracker::cluster_intervals() {
  clusters_used_ = 0;
  const double lo = 60e9 / config_.max_bpm, hi = 60e9 / config_.min_bpm;
  const int oldest = (head_ - count_ + kHistory) % kHistory;
  for (int i = 0; i < count_; ++i) {
    const Onset& a = history_[static_cast<std::size_t>((oldest + i) % kHistory)];
    for (int j = i + 1; j < count_ && j <= i + kPairSpan; ++j) {
      const Onset& b = history_[static_cast<std::size_t>((oldest + j) % kHistory)];
      const double ioi = b.ns - a.ns;
      if (ioi > hi * (1 + kClusterWidth)) break;
      if (ioi < lo * (1 - kClusterWidth)) continue;
      const double w = std::sqrt(a.salience * b.salience);
      Cluster* into = nullptr;
      for (int c = 0; c < clusters_used_; ++c) {
        Cluster& k = clusters_[static_cast<std::size_t>(c)];
        if (std::abs(k.interval - ioi) <= kClusterWidth * k.interval &&
            (into == nullptr || std::abs(k.interval - ioi) < std::abs(into->interval - ioi)))
          into = &k;
      }
      if (into == nullptr) {
        if (clusters_used_ == kMaxClusters) continue;  // the rarest intervals go unheard
        into = &clusters_[static_cast<std::size_t>(clusters_used_++)];
        *into = {};
      }
      into->interval = (into->interval * into->weight + ioi * w) / (into->weight + w);
      into->weight += w;
    }
  }
  // Clusters whose means drew together are one.
  for (int c = 0; c < clusters_used_; ++c) {
    for (int d = c + 1; d < clusters_used_;) {
      Cluster& a = clusters_[static_cast<std::size_t>(c)];
      const Cluster& b = clusters_[static_cast<std::size_t>(d)];
      if (std::abs(a.interval - b.interval) <= kClusterWidth * a.interval) {
        a.interval = (a.interval * a.weight + b.interval * b.weight) / (a.weight + b.weight);
        a.weight += b.weight;
        clusters_[static_cast<std::size_t>(d)] = clusters_[static_cast<std::size_t>(--clusters_used_)];
      } else {
        ++d;
      }
    }
  }
  // Dixon's score: a cluster is supported by the clusters at its multiples (the bar, two
  // beats) and fractions (the half, the third), less the further the ratio.
  for (int c = 0; c < clusters_used_; ++c) {
    Cluster& a = clusters_[static_cast<std::size_t>(c)];
    a.score = 0;
    for (int d = 0; d < clusters_used_; ++d) {
      const Cluster& b = clusters_[static_cast<std::size_t>(d)];
      for (int n = 1; n <= 4; ++n) {
        const double f = 6 - n;
        if (std::abs(b.interval - n * a.interval) <= kClusterWidth * n * a.interval ||
            (n > 1 && std::abs(a.interval - n * b.interval) <= kClusterWidth * a.interval))
          a.score += f * b.weight;
      }
    }
  }
}

void BeatTracker::induce(double now) {
  // After a relock the oscillator gets kMinLock onsets to settle before it is judged.
  if (count_ < kMinInduction || lr_count_ < kMinLock) return;
  cluster_intervals();
  if (clusters_used_ == 0) return;
  // The best-supported clusters, by partial selection (no allocation).
  std::array<int, kCandidates> top{};
  int n_top = 0;
  for (int c = 0; c < clusters_used_; ++c) {
    const double s = clusters_[static_cast<std::size_t>(c)].score;
    int at = n_top < kCandidates ? n_top++ : kCandidates;
    if (at == kCandidates) {
      if (s <= clusters_[static_cast<std::size_t>(top[kCandidates - 1])].score) continue;
      at = kCandidates - 1;
    }
    while (at > 0 && clusters_[static_cast<std::size_t>(top[static_cast<std::size_t>(at - 1)])].score < s) {
      top[static_cast<std::size_t>(at)] = top[static_cast<std::size_t>(at - 1)];
      --at;
    }
    top[static_cast<std::size_t>(at)] = c;
  }

  const int last = (head_ - 1 + kHistory) % kHistory;
  // The current beat is judged the same way: its own grid, anchored where it is now.
  const double current = explain(period_, anchor_ns_ - anchor_beat_ * period_, last) + prior(period_);
  double best = current + kRelockMargin, best_period = 0, best_anchor = 0;
  for (int i = 0; i < n_top; ++i) {
    const double period = clusters_[static_cast<std::size_t>(top[static_cast<std::size_t>(i)])].interval;
    for (int p = 0; p < std::min(count_, kPhaseCandidates); ++p) {
      const double anchor = history_[static_cast<std::size_t>((last - p + kHistory) % kHistory)].ns;
      const double s = explain(period, anchor, last) + prior(period);
      if (s > best) {
        best = s;
        best_period = period;
        best_anchor = anchor;
      }
    }
  }
  if (best_period == 0) return;
  // Keep counting beats: the new grid's beat at best_anchor takes the index the old grid
  // gave that moment, so next_beat does not jump back.
  const double index = std::round((best_anchor - anchor_ns_) / period_ + anchor_beat_);
  period_ = best_period;
  anchor_ns_ = best_anchor;
  anchor_beat_ = index;
  last_correction_beat_ = (now - anchor_ns_) / period_ + anchor_beat_;
  // What the old grid's predictions were worth says nothing of the new one.
  lr_count_ = 0;
  lr_head_ = 0;
  lr_sum_ = 0;
  confidence_ = 0;
  ++stats_.relocks;
}

double BeatTracker::beat_time(double index) const {
  return anchor_ns_ + (index - anchor_beat_) * period_;
}

BeatPrediction BeatTracker::predict(std::int64_t now_ns) const {
  BeatPrediction p;
  p.period_ns = period_;
  p.bpm = 60e9 / period_;
  const double x = (static_cast<double>(now_ns) - anchor_ns_) / period_ + anchor_beat_;
  const double next = std::ceil(x);
  p.next_beat = static_cast<std::int64_t>(next);
  p.next_beat_ns = std::llround(beat_time(next));
  p.confidence = confidence_;
  p.locked = locked_;
  return p;
}

}  // namespace clara
