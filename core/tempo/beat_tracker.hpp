#pragma once
// Follows the beat of a human's playing, online, from note-on times alone.
//
// Two parts, as in the beat trackers that work on expressive performance:
//  - tempo induction (Dixon's BeatRoot family): the intervals between recent onsets,
//    adjacent or not, are clustered; the clusters are the tempo hypotheses. Each is
//    scored by how well a beat grid at that period explains the recent onsets (a
//    likelihood ratio against "no rhythm", below, less a cost for beats nobody played on),
//    plus a prior around the configured tempo. While not locked the tracker jumps to the
//    best hypothesis when it explains the onsets clearly better than the current beat
//    does; while locked it checks the grid half a beat over and the metrical levels around
//    its own (x2/3, x3/4, x1/2 and their inverses) the same way;
//  - a refit at each onset: the recent onsets are placed on the beat subdivisions (1/2,
//    1/4, 1/3, 1/8) the grid makes most probable, and period and phase are the weighted
//    least-squares line through those places (recent, strong and near placements weigh
//    most), with a small term for a changing tempo. The period changes by at most
//    max_tempo_change_per_beat per beat. Onsets far from every subdivision (grace notes,
//    ornaments) weigh nearly nothing.
//
// Confidence is a running log-likelihood ratio over the last kWindow onsets: how much
// more probable each onset's position (predicted before the onset corrected anything)
// is under "beats and their subdivisions, with timing noise" than under "anywhere in
// the beat, uniformly". Random onsets score below zero on average, rhythmic playing
// above; "locked" has hysteresis.
//
// Chords: onsets within chord_window_ns of the first note of a chord count once (the
// first note's time); the chord's size raises its weight in induction (Dixon's salience).
//
// Pure and deterministic: time comes in as parameters (ns, any monotonic origin). No
// allocation after construction; memory is fixed (kHistory onsets, kMaxClusters
// clusters). Not thread-safe: one thread feeds it and reads it.
#include <array>
#include <cstdint>

namespace clara {

struct BeatTrackerConfig {
  double bpm = 120.0;               // the beat to start from, quarter notes per minute
  std::int64_t beat0_ns = 0;        // when beat 0 falls (the starting phase)
  double min_bpm = 40.0;            // the beat hypotheses' range
  double max_bpm = 220.0;
  // Width of the tempo prior around `bpm`, in octaves (one standard deviation), per
  // onset: it decides between metrical levels the onsets fit about as well (70 or 140),
  // so the human's beat is found when it lies within about x1.4 of `bpm`.
  double prior_octaves = 0.4;
  std::int64_t chord_window_ns = 30'000'000;
  double max_tempo_change_per_beat = 0.04;  // fraction of the period
  // The timing noise expected of a human (standard deviation): the width of each
  // beat position in the rhythmic model the confidence and induction use.
  std::int64_t timing_noise_ns = 20'000'000;
  double lock_above = 0.85;   // confidence to become locked ...
  double unlock_below = 0.2;  // ... and to stop being locked
  // Validates (std::invalid_argument naming the field): positive ranges, bpm inside them.
  void validate() const;
};

struct BeatPrediction {
  double bpm = 0;                  // the beat's tempo now
  double period_ns = 0;            // 60e9 / bpm
  std::int64_t next_beat_ns = 0;   // the first predicted beat at or after `now`
  std::int64_t next_beat = 0;      // its index, counted from beat 0 (never goes back)
  double confidence = 0;           // 0..1
  bool locked = false;
};

class BeatTracker {
 public:
  static constexpr int kHistory = 48;      // onsets (chords merged) kept for induction
  static constexpr int kWindow = 16;       // onsets the confidence is taken over
  static constexpr int kMaxClusters = 32;  // IOI clusters

  explicit BeatTracker(const BeatTrackerConfig& config);  // validates

  // A note-on heard at time_ns (velocity 1..127; 0 = unknown). Times should not go
  // back; an onset earlier than the last one is taken as part of its chord. realtime-safe
  void onset(std::int64_t time_ns, int velocity = 0);

  // The beat as known now (now_ns >= the last onset). realtime-safe
  BeatPrediction predict(std::int64_t now_ns) const;
  // The predicted time of beat `index` (any index; extrapolated). realtime-safe
  double beat_time(double index) const;

  // Statistics, for tests and the daemon's status.
  struct Stats {
    std::uint64_t onsets = 0;     // note-ons given
    std::uint64_t merged = 0;     // counted once as part of a chord
    std::uint64_t rejected = 0;   // too few placed onsets near it to refit the beat
    std::uint64_t relocks = 0;    // jumps to an induced tempo hypothesis
    std::uint64_t offbeat_flips = 0;  // half-beat phase corrections while locked
    std::uint64_t level_changes = 0;  // moves to another metrical level while locked
  };
  const Stats& stats() const { return stats_; }
  const BeatTrackerConfig& config() const { return config_; }

 private:
  struct Onset {
    double ns = 0;
    double salience = 1;
  };
  struct Cluster {
    double interval = 0;  // ns, weighted mean
    double weight = 0;
    double score = 0;
  };
  struct Fit {  // where an onset falls on a beat grid
    double position = 0;   // beats, the nearest subdivision
    double deviation = 0;  // beats, onset minus that subdivision
    double strength = 0;   // metrical weight of that subdivision (1 = the beat)
    double tolerance = 0;  // beats: farther from it, the onset is an ornament
    double log_lr = 0;     // log p(position | rhythm) - log p(position | no rhythm)
  };

  Fit fit(double ns, double anchor_ns, double anchor_beat, double period) const;
  Fit snap(double x, double sigma) const;
  void refit(double now, double elapsed_ns);
  void check_offbeat();
  void check_levels(double now);
  bool try_periods(const double* periods, int n, double now);
  void induce(double now_ns);
  double explain(double period, double anchor_ns, int last) const;
  void cluster_intervals();
  double prior(double period) const;
  void update_confidence(double log_lr);

  BeatTrackerConfig config_;
  // The beat grid: beat `anchor_beat_` falls at `anchor_ns_`, one beat lasts `period_`.
  double period_;
  double anchor_ns_;
  double anchor_beat_ = 0;
  double last_onset_ns_ = 0;
  int since_level_check_ = 0;
  double curve_ = 0;  // ns per beat^2: the last fit's u^2 term, to place the onsets behind the anchor

  std::array<Onset, kHistory> history_{};
  int count_ = 0;  // onsets in history_ (chords merged), up to kHistory
  int head_ = 0;   // where the next one goes
  double chord_start_ns_ = 0;
  bool any_onset_ = false;

  std::array<double, kWindow> lr_{};
  int lr_count_ = 0, lr_head_ = 0;
  double lr_sum_ = 0;
  double confidence_ = 0;
  bool locked_ = false;

  std::array<Cluster, kMaxClusters> clusters_{};
  int clusters_used_ = 0;
  Stats stats_;
};

}  // namespace clara
