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
// strength: how much an onset placed there weighs in the refit (the beat most, a 16th
// least: it is the likeliest to be misread). tolerance: farther than this (beats) from
// its nearest position an onset is an ornament and moves nothing.
constexpr std::array<Position, 11> kPositions{{{0.0, 0.35, 1.0, 0.11},
                                               {1.0, 0.35, 1.0, 0.11},
                                               {0.5, 0.2, 0.5, 0.07},
                                               {0.25, 0.1, 0.3, 0.045},
                                               {0.75, 0.1, 0.3, 0.045},
                                               {1.0 / 3, 0.05, 0.25, 0.04},
                                               {2.0 / 3, 0.05, 0.25, 0.04},
                                               // 32nd notes: runs in them (Czerny's) are rhythm too,
                                               // not ornaments that count against the beat.
                                               {0.125, 0.025, 0.15, 0.03},
                                               {0.375, 0.025, 0.15, 0.03},
                                               {0.625, 0.025, 0.15, 0.03},
                                               {0.875, 0.025, 0.15, 0.03}}};
constexpr double kOrnamentMass = 0.05;
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
constexpr double kEmptyBeat = 1.0;      // nats, a beat of a hypothesis with no onset near it
constexpr int kLevelCheckEvery = 4;     // onsets between checks of the metrical level while locked
// Where the confidence crosses 1/2, and how steeply. Centred below zero: a run of 32nd notes
// under timing noise scores about nothing per onset and must not unlock a beat that its
// chords still confirm, while onsets off the beat altogether (a new tempo, random notes) score
// -2 nats and less.
constexpr double kConfidenceCentre = -0.2, kConfidenceSlope = 3.0;  // nats per onset
// A relocked grid's confidence starts from its fit to the onsets it was chosen for, each
// discounted by this much (nats) for being in sample.
constexpr double kInSamplePenalty = 0.3;
// The refit: onsets of the last kFitBeats beats, weighed down by e^(-age / kDecayBeats); the
// period held to its last value by kPeriodPrior (beats^2 of weight, as if that many onsets a beat
// apart agreed with it); no refit on less than kMinFitWeight of placed onsets.
constexpr double kFitBeats = 32, kPeriodPrior = 0.5, kMinFitWeight = 0.2;
constexpr double kDecayBeats = 6, kCurveSpread = 0.002;
// How far off (beats, per beat of silence before it) an onset after a pause may be from the grid
// extrapolated over it: the human drifts on while they rest, by a few per cent.
constexpr double kGapSpread = 0.03;

// Gaussian elimination with partial pivoting on a 3x4 augmented matrix; false if singular.
bool solve3(double (&m)[3][4], double (&x)[3]) {
  for (int c = 0; c < 3; ++c) {
    int pivot = c;
    for (int r = c + 1; r < 3; ++r)
      if (std::abs(m[r][c]) > std::abs(m[pivot][c])) pivot = r;
    if (!(std::abs(m[pivot][c]) > 1e-12)) return false;
    if (pivot != c)
      for (int k = 0; k < 4; ++k) std::swap(m[c][k], m[pivot][k]);
    for (int r = c + 1; r < 3; ++r) {
      const double f = m[r][c] / m[c][c];
      for (int k = c; k < 4; ++k) m[r][k] -= f * m[c][k];
    }
  }
  for (int c = 2; c >= 0; --c) {
    double v = m[c][3];
    for (int k = c + 1; k < 3; ++k) v -= m[c][k] * x[k];
    x[c] = v / m[c][c];
  }
  return true;
}

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
  refit(t, t - last_onset_ns_);
  last_onset_ns_ = t;
  if (!locked_) {
    induce(t);
  } else {
    check_offbeat();
    check_levels(t);
  }
}

// Where onset `ns` falls on the grid when its position is uncertain by `sigma` beats: the
// subdivision most probable a priori (its mass) and by its distance, not merely the nearest.
// With a small sigma that is the nearest; after a long silence, when the grid's extrapolation
// may be off by a fair part of a beat, the likelier beat and half beat win over a 16th.
BeatTracker::Fit BeatTracker::snap(double x, double sigma) const {
  const double base = std::floor(x);
  const double frac = x - base;
  Fit f;
  double best = -1;
  for (const Position& p : kPositions) {
    const double d = frac - p.at;
    const double score = p.mass * std::exp(-0.5 * (d / sigma) * (d / sigma));
    if (score > best) {
      best = score;
      f.position = base + p.at;
      f.deviation = d;
      f.strength = p.strength;
      f.tolerance = p.tolerance;
    }
  }
  return f;
}

// The beat is refitted to the recent onsets at each one: each recent onset is placed on the
// subdivision the current grid puts it nearest (most probably), then period and phase are the
// weighted least-squares line through (position, time), twice. Why a fit and not an
// oscillator nudged onset by onset: a phrase restarting after a silence has its first few
// onsets off the extrapolated grid by a part of a beat; an oscillator pulled by each of them in
// turn wanders while a fit weighs them against the whole recent phrase, which holds the period.
//  - recent onsets weigh most (exp(-age / kDecayBeats)), so a drifting human is followed
//    rather than averaged; the onsets before a silence still anchor the period across it;
//  - a placement weighs by how strong its subdivision is (a beat most), the chord's salience,
//    and how near it falls (a Gaussian of the timing noise): grace notes and ornaments, far
//    from every subdivision, weigh nearly nothing;
//  - the period is held towards its last value by kPeriodPrior beats^2 of weight, so a few
//    onsets at one position cannot swing it; its change is bounded by
//    max_tempo_change_per_beat for each beat of `elapsed_ns`, the time since the last onset.
void BeatTracker::refit(double now, double elapsed_ns) {
  const int newest = (head_ - 1 + kHistory) % kHistory;
  const double noise = static_cast<double>(config_.timing_noise_ns);
  for (int pass = 0; pass < 2; ++pass) {
    const double sigma_noise = std::clamp(noise / period_, 0.02, 0.12);
    // The period may move by max_tempo_change_per_beat for each beat of elapsed_ns (a quarter
    // beat at least, four at most: one onset after a pause is not evidence enough for more).
    const double bound = config_.max_tempo_change_per_beat * std::clamp(elapsed_ns / period_, 0.25, 4.0);
    const double ref_beat = std::round((now - anchor_ns_) / period_ + anchor_beat_);
    // Normal equations of  sum w (t - a - P u - c u^2)^2 + prior_p (P - period)^2 + prior_c c^2:
    // the u^2 term takes up a tempo that is changing, so P is the period now, not the mean
    // period over the window (a drift of 0.2 % a beat would leave the line 1.2 % behind).
    double m[3][4] = {};  // rows: a, P, c; last column the right-hand side
    for (int i = 0; i < count_; ++i) {
      const Onset& o = history_[static_cast<std::size_t>((newest - i + kHistory) % kHistory)];
      const double age = (now - o.ns) / period_;
      if (age > kFitBeats) break;
      // The gap before this onset widens how uncertain its place on the grid is.
      const double prev_ns =
          i + 1 < count_ ? history_[static_cast<std::size_t>((newest - i - 1 + kHistory) % kHistory)].ns : o.ns;
      const double gap = std::min((o.ns - prev_ns) / period_, 16.0);
      const double sigma = std::sqrt(sigma_noise * sigma_noise + (kGapSpread * gap) * (kGapSpread * gap));
      // Its place on the last fit's curve: behind the anchor the tempo was changing as the fit
      // found (the u^2 term); the line alone would misplace onsets 20 beats back by a part of a
      // beat under a drift.
      double along = (o.ns - anchor_ns_) / period_;
      for (int k = 0; k < 2 && along < 0; ++k) along = (o.ns - anchor_ns_ - curve_ * along * along) / period_;
      const Fit f = snap(anchor_beat_ + along, sigma);
      if (std::abs(f.deviation) > std::max(f.tolerance, 2.5 * sigma)) continue;  // an ornament
      const double near = std::exp(-0.5 * (f.deviation / (1.5 * sigma)) * (f.deviation / (1.5 * sigma)));
      const double w = o.salience * f.strength * near * std::exp(-age / kDecayBeats);
      const double u = f.position - ref_beat;
      const double t = o.ns - now;  // small numbers: ns relative to now
      const double x[3] = {1, u, u * u};
      for (int r = 0; r < 3; ++r) {
        for (int k = 0; k < 3; ++k) m[r][k] += w * x[r] * x[k];
        m[r][3] += w * x[r] * t;
      }
    }
    if (m[0][0] < kMinFitWeight) {
      if (pass == 0) ++stats_.rejected;
      return;
    }
    m[1][1] += kPeriodPrior;
    m[1][3] += kPeriodPrior * period_;
    // The tempo change a human makes is small: c is held to about kCurveSpread of the period per
    // beat^2 against the timing noise (a prior in the same units as the residuals), so that two
    // onsets after a pause cannot bend the curve and swing the period with it.
    const double curve_sd = kCurveSpread * period_;
    m[2][2] += (noise / curve_sd) * (noise / curve_sd);
    double sol[3];
    if (!solve3(m, sol)) return;
    double p = sol[1];
    const double a = sol[0];
    p = std::clamp(p, period_ * (1 - bound), period_ * (1 + bound));
    p = std::clamp(p, 60e9 / config_.max_bpm, 60e9 / config_.min_bpm);
    anchor_ns_ = now + a;
    anchor_beat_ = ref_beat;
    period_ = p;
    curve_ = std::clamp(sol[2], -0.01 * p, 0.01 * p);
  }
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
  double sum = 0, weight = 0, first = end;
  int onsets = 0;
  for (int i = 0; i < count_; ++i) {
    const Onset& o = history_[static_cast<std::size_t>((last - i + kHistory) % kHistory)];
    if (end - o.ns > kSpanNs) break;
    sum += o.salience * fit(o.ns, anchor_ns, 0, period).log_lr;
    weight += o.salience;
    first = o.ns;
    ++onsets;
  }
  // Beats nobody played on: a grid at 3/4 of the human's tempo places their quarter notes on its
  // 16ths and 8ths about as well as the right grid places them on beats, but most of its own beats
  // fall between their notes. Each beat from the first onset to the last with no onset near it
  // costs kEmptyBeat nats, spread over the onsets like the rest of the score.
  int empty = 0;
  const double tolerance = kPositions[0].tolerance * period;
  for (double b = std::ceil((first - anchor_ns) / period - 1e-9); anchor_ns + b * period <= end; b += 1) {
    const double at = anchor_ns + b * period;
    bool heard = false;
    for (int i = 0; i < onsets && !heard; ++i)
      heard = std::abs(history_[static_cast<std::size_t>((last - i + kHistory) % kHistory)].ns - at) <= tolerance;
    if (!heard) ++empty;
  }
  return sum / weight - kEmptyBeat * empty / onsets;
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
  // After a relock the grid gets kMinLock onsets to settle before it is judged.
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

  std::array<double, kCandidates> periods{};
  for (int i = 0; i < n_top; ++i)
    periods[static_cast<std::size_t>(i)] = clusters_[static_cast<std::size_t>(top[static_cast<std::size_t>(i)])].interval;
  if (try_periods(periods.data(), n_top, now)) ++stats_.relocks;
}

// Locked on a metrical level that explains the notes well enough is not locked on the human's
// beat: quarter notes fit a grid at 3/4 of their tempo as 16ths do, and one at half of it as
// halves. Every kLevelCheckEvery onsets while locked, the levels around the current beat (x2/3,
// x3/4, x1/2 and their inverses) are judged as induction judges its hypotheses, prior included, and
// the grid moves to one that explains the recent onsets clearly better.
void BeatTracker::check_levels(double now) {
  if (count_ < kMinInduction || ++since_level_check_ < kLevelCheckEvery) return;
  since_level_check_ = 0;
  constexpr std::array<double, 6> kRatios{0.5, 2.0 / 3, 0.75, 4.0 / 3, 1.5, 2.0};
  std::array<double, kRatios.size()> periods{};
  int n = 0;
  for (double r : kRatios) {
    const double p = period_ * r;
    if (p >= 60e9 / config_.max_bpm && p <= 60e9 / config_.min_bpm) periods[static_cast<std::size_t>(n++)] = p;
  }
  if (try_periods(periods.data(), n, now)) ++stats_.level_changes;
}

// Judges each period with each of the recent onsets as a beat, against the current grid; moves
// to the best when it explains the recent onsets (prior included) by kRelockMargin more.
bool BeatTracker::try_periods(const double* periods, int n, double now) {
  const int last = (head_ - 1 + kHistory) % kHistory;
  // The current beat is judged the same way: its own grid, anchored where it is now.
  const double current = explain(period_, anchor_ns_ - anchor_beat_ * period_, last) + prior(period_);
  double best = current + kRelockMargin, best_period = 0, best_anchor = 0;
  for (int i = 0; i < n; ++i) {
    const double period = periods[i];
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
  if (best_period == 0) return false;
  // Keep counting beats: the new grid's beat at best_anchor takes the index the old grid
  // gave that moment, so next_beat does not jump back.
  const double index = std::round((best_anchor - anchor_ns_) / period_ + anchor_beat_);
  period_ = best_period;
  anchor_ns_ = best_anchor;
  curve_ = 0;
  anchor_beat_ = index;
  // The cluster's mean interval is the tempo of the whole window; the fit makes it the tempo now,
  // before the grid is extrapolated over whatever rest comes next.
  refit(now, 4 * period_);  // the fit's period may move as far as after a 4-beat gap
  // What the old grid's predictions were worth says nothing of the new one; the new one is
  // judged on the onsets it was chosen for (the last kWindow of them, within kSpanNs), so that a
  // phrase whose first bars found the beat can lock before it ends. In sample, so the relock
  // margin and the lock threshold keep random onsets from locking (RandomOnsetsDoNotLock).
  lr_count_ = 0;
  lr_head_ = 0;
  lr_sum_ = 0;
  confidence_ = 0;
  locked_ = false;
  const int judged = std::min(count_, kWindow);
  for (int i = judged - 1; i >= 0; --i) {
    const Onset& o = history_[static_cast<std::size_t>((last - i + kHistory) % kHistory)];
    if (now - o.ns > kSpanNs) continue;
    update_confidence(fit(o.ns, anchor_ns_, anchor_beat_, period_).log_lr - kInSamplePenalty);
  }
  return true;
}

// A beat grid half a beat out explains quarter notes nearly as well as the right one (they
// become its off-beats), so a grid that slipped there, after a pause or a rest mid-phrase, stays
// locked on the wrong side. Each onset while locked compares the two over the recent onsets and
// moves to the other side when it explains them clearly better.
void BeatTracker::check_offbeat() {
  if (count_ < kMinInduction) return;
  const int last = (head_ - 1 + kHistory) % kHistory;
  const double origin = anchor_ns_ - anchor_beat_ * period_;
  const double here = explain(period_, origin, last);
  const double there = explain(period_, origin + 0.5 * period_, last);
  if (!(there > here + kRelockMargin)) return;
  // The other side's beat after the anchor keeps the count: next_beat never goes back.
  anchor_ns_ += 0.5 * period_;
  anchor_beat_ += 1;
  ++stats_.offbeat_flips;
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
