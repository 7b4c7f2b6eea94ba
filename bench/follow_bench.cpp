// Following the human (issue 13's `follow` source), measured offline on the duet engine itself.
//
// A simulated human plays phrases from the test fixtures (tests/data/*.mid: four bars each,
// every note as written, in quarter notes) at a nominal tempo of 70 to 160 bpm, drifting +-3 %
// along a slow sine while they play (one cycle in 64 played beats, its phase drawn per seed;
// while they listen their pulse holds the tempo they ended on), every note-on and note-off
// moved by Gaussian timing noise (15 ms standard deviation), a new phrase every 28 beats of
// their own (16 played, 12 left to Clara's answer). Clara is the DuetEngine in answer
// mode at 12 steps a beat, committing one step ahead, stepped every millisecond as clarad's
// inference thread does, with a Kneser-Ney 5-gram trained on the same fixtures as her model
// (core only, deterministic). Her grid starts at a configured tempo 10-25 % off the human's
// (x0.8, x0.9, x1.1, x1.25 by seed: a musician who set roughly their tempo; --configured BPM
// fixes it instead). Two runs per case, in the same process:
//   follow    the human's note-ons go to BeatTracker, TempoFollower sets the grid's tempo at
//             the frontier (what clarad's TempoSync does with --sync follow);
//   baseline  the grid stays at the configured tempo (--sync internal).
// Figures over every answer of every run:
//   onset error: each of Clara's note-ons against the human's true beat grid at the
//     subdivision she placed it on: her grid position (beats) minus the human's true beat
//     position at that moment, wrapped to the nearest whole beat, in ms at the human's tempo
//     then (p50, p99);
//   in tempo: an answer's tempo (grid beats over time from its first to its last note-on;
//     one note: the grid's step there) within 4 % of the human's true tempo over the same span.
// Goal (issue 13): >= 90 % of answers in tempo, p99 onset error <= 30 ms.
//   usage: follow_bench [SEEDS] [--configured BPM | --factor F] [--noise-ms MS] [--oracle] [--trace]
//                       [--label-oracle] [--trace-onsets] [--data DIR]
//     default 4 seeds a tempo, tests/data; --factor: the configured tempo is the human's times F for
//     every seed; --noise-ms: the timing noise's standard deviation (15); --trace: the tracker's state
//     at each phrase's start and end and each answer's figures, on stderr (why a figure is what it is);
//     --trace-onsets: that and the tracker before and after each note-on; --oracle: the follower fed
//     the human's true beat instead of the tracker's (the floor the follower and the engine leave);
//     --label-oracle: the follower fed a fit told each note's place in the score (the floor the
//     timing noise and the drift leave a tracker that never misplaces a note)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <numbers>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/duet/duet_engine.hpp"
#include "core/encoding/grid_piece.hpp"
#include "core/encoding/notewise_codec.hpp"
#include "core/generation/ngram_model.hpp"
#include "core/midi/midi_file.hpp"
#include "core/tempo/beat_tracker.hpp"
#include "core/tempo/tempo_follower.hpp"

#ifndef CLARA_TEST_DATA_DIR
#define CLARA_TEST_DATA_DIR "tests/data"
#endif

namespace {

using namespace clara;

// The 5-gram as a TokenModel: its state is the last four ids (and the logits they give).
class NgramTokenModel : public TokenModel {
 public:
  explicit NgramTokenModel(const NgramModel& lm) : lm_(lm), logits_(lm.vocab_size()), p_(lm.vocab_size()) {}
  std::size_t vocab_size() const override { return lm_.vocab_size(); }
  void reset() override { context_.clear(); }
  std::span<const float> feed(int token) override {
    context_.push_back(token);
    if (context_.size() > 4) context_.erase(context_.begin());
    lm_.distribution(context_, p_);
    for (std::size_t i = 0; i < p_.size(); ++i) logits_[i] = static_cast<float>(std::log(std::max(p_[i], 1e-30)));
    return logits_;
  }
  struct S : State {
    std::vector<int> context;
    std::vector<float> logits;
  };
  std::unique_ptr<State> save() const override {
    auto s = std::make_unique<S>();
    s->context = context_;
    s->logits = logits_;
    return s;
  }
  void restore(const State& state) override {
    const auto& s = dynamic_cast<const S&>(state);
    context_ = s.context;
    logits_ = s.logits;
  }

 private:
  const NgramModel& lm_;
  std::vector<int> context_;
  std::vector<float> logits_;
  std::vector<double> p_;
};

struct Phrase {
  std::vector<Note> notes;  // starts rebased to 0..16 quarter notes
};

struct Event {
  std::int64_t ns;
  ShortMessage msg;
  double beat = 0;  // where the score puts it, in the human's beats (the label oracle's labels)
};

// The human: true beat times along the tempo curve, and the played events.
struct Human {
  std::vector<double> beat_ns;
  std::vector<Event> events;
  std::vector<std::pair<std::int64_t, std::int64_t>> phrases;  // first note-on, last note-off
  double time_of(double q) const {
    const auto k = static_cast<std::size_t>(std::clamp(std::floor(q), 0.0, static_cast<double>(beat_ns.size() - 2)));
    return beat_ns[k] + (q - static_cast<double>(k)) * (beat_ns[k + 1] - beat_ns[k]);
  }
  double beat_at(double t) const {  // inverse of time_of
    auto it = std::upper_bound(beat_ns.begin(), beat_ns.end(), t);
    const auto k = static_cast<std::size_t>(std::clamp<std::ptrdiff_t>(it - beat_ns.begin() - 1, 0,
                                                                       static_cast<std::ptrdiff_t>(beat_ns.size()) - 2));
    return static_cast<double>(k) + (t - beat_ns[k]) / (beat_ns[k + 1] - beat_ns[k]);
  }
  double bpm_at(double t) const {
    const double q = beat_at(t);
    const auto k = static_cast<std::size_t>(std::clamp(std::floor(q), 0.0, static_cast<double>(beat_ns.size() - 2)));
    return 60e9 / (beat_ns[k + 1] - beat_ns[k]);
  }
};

constexpr int kPhraseBeats = 16, kCycleBeats = 28, kPhrases = 6;
double g_noise_ms = 15;  // --noise-ms
bool g_trace = false;    // --trace: the tracker at each phrase's start and end, each answer's figures
bool g_oracle = false;   // --oracle: the follower given the human's true beat, not the tracker's estimate
bool g_label_oracle = false;  // --label-oracle: a tracker told each note-on's place in the score

// The best a tracker can do from the noisy onsets alone when it never misplaces one: told where
// each note-on falls in the score, it fits the beat as BeatTracker's refit does (weighted least
// squares of time on beat position, recent onsets weighing most, a tempo-change term held small)
// and extrapolates the last tempo. What it misses is the timing noise and the drift, not the
// rhythm; the gap between it and the tracker is the tracker's misplacements and locks.
class LabelOracle {
 public:
  void onset(double beat, double ns) {
    if (!points_.empty() && beat - points_.back().first < 1e-9) return;  // a chord: its first note
    points_.emplace_back(beat, ns);
    const double last = beat;
    double m[3][4] = {};
    for (auto it = points_.rbegin(); it != points_.rend(); ++it) {
      const double age = last - it->first;
      if (age > 32) break;
      const double w = std::exp(-age / 6);
      const double u = it->first - last, t = it->second - ns;
      const double x[3] = {1, u, u * u};
      for (int r = 0; r < 3; ++r) {
        for (int k = 0; k < 3; ++k) m[r][k] += w * x[r] * x[k];
        m[r][3] += w * x[r] * t;
      }
    }
    const double curve_sd = 0.002 * period_, noise = 20e6;
    m[1][1] += 0.5;
    m[1][3] += 0.5 * period_;
    m[2][2] += (noise / curve_sd) * (noise / curve_sd);
    // 3x3 by Cramer's rule: small and well conditioned with the priors.
    auto det3 = [](double a[3][3]) {
      return a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
             a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
    };
    double a[3][3], d = 0;
    for (int r = 0; r < 3; ++r)
      for (int k = 0; k < 3; ++k) a[r][k] = m[r][k];
    d = det3(a);
    if (std::abs(d) < 1e-30) return;
    double sol[3];
    for (int c = 0; c < 3; ++c) {
      double b[3][3];
      for (int r = 0; r < 3; ++r)
        for (int k = 0; k < 3; ++k) b[r][k] = k == c ? m[r][3] : m[r][k];
      sol[c] = det3(b) / d;
    }
    anchor_beat_ = last;
    anchor_ns_ = ns + sol[0];
    if (points_.size() >= 3) period_ = sol[1];
  }
  void start(double bpm) { period_ = 60e9 / bpm; }
  BeatPrediction predict(double now) const {
    BeatPrediction p;
    p.period_ns = period_;
    p.bpm = 60e9 / period_;
    const double x = (now - anchor_ns_) / period_ + anchor_beat_;
    p.next_beat = static_cast<std::int64_t>(std::ceil(x));
    p.next_beat_ns = std::llround(anchor_ns_ + (std::ceil(x) - anchor_beat_) * period_);
    p.locked = points_.size() >= 3;
    p.confidence = p.locked ? 1 : 0;
    return p;
  }

 private:
  std::vector<std::pair<double, double>> points_;
  double period_ = 5e8, anchor_ns_ = 0, anchor_beat_ = 0;
};
bool g_trace_onsets = false;  // --trace-onsets: the tracker before and after each of the human's note-ons

// mt19937_64 and Box-Muller, not std::normal_distribution: the same draws on every standard library.
struct Draw {
  std::mt19937_64 rng;
  double uniform() { return static_cast<double>(rng() >> 11) / 9007199254740992.0; }
  double normal() {
    const double u1 = uniform() + 0.5 / 9007199254740992.0;
    return std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * uniform());
  }
};

Human perform(const std::vector<Phrase>& pool, std::size_t first, double bpm, std::uint64_t seed) {
  Human h;
  Draw draw{std::mt19937_64(seed)};
  auto noise = [&] { return g_noise_ms * 1e6 * draw.normal(); };
  const double phase = 2 * std::numbers::pi * draw.uniform();
  // The drift runs while they play; while they listen (Clara's answer) their pulse holds the
  // tempo they ended on: nobody can follow a drift that no note shows.
  double t = 1e9, played = 0;
  for (int k = 0; k <= kPhrases * kCycleBeats + 4; ++k) {
    h.beat_ns.push_back(t);
    if (k % kCycleBeats < kPhraseBeats) played += 1;
    t += 60e9 / (bpm * (1 + 0.03 * std::sin(2 * std::numbers::pi * (played - 0.5) / 64 + phase)));
  }
  for (int p = 0; p < kPhrases; ++p) {
    const Phrase& ph = pool[(first + static_cast<std::size_t>(p)) % pool.size()];
    const double base = p * kCycleBeats;
    std::int64_t first_on = INT64_MAX, last_off = 0;
    for (const Note& n : ph.notes) {
      const std::int64_t on = std::llround(h.time_of(base + n.start) + noise());
      const double end = std::min(std::max(n.end, n.start + 0.125), static_cast<double>(kPhraseBeats));
      const std::int64_t off = std::max<std::int64_t>(on + 20'000'000, std::llround(h.time_of(base + end) + noise()));
      const auto key = static_cast<std::uint8_t>(n.pitch);
      h.events.push_back({on, {0x90, key, static_cast<std::uint8_t>(std::clamp(n.velocity, 1, 127))}, base + n.start});
      h.events.push_back({off, {0x80, key, 0}, base + end});
      first_on = std::min(first_on, on);
      last_off = std::max(last_off, off);
    }
    h.phrases.emplace_back(first_on, last_off);
  }
  // Note-offs first at equal times: a repeated key must end before it starts again.
  std::stable_sort(h.events.begin(), h.events.end(), [](const Event& a, const Event& b) {
    return a.ns != b.ns ? a.ns < b.ns : (a.msg.is_note_off() && !b.msg.is_note_off());
  });
  return h;
}

struct Figures {
  std::vector<double> error_ms;
  int answers = 0, in_tempo = 0, tempo_changes = 0;
  // follow: the answers whose phrase ended with the tracker locked, on their own
  std::vector<double> locked_error_ms;
  int locked_answers = 0, locked_in_tempo = 0;
  // the answers after each run's first phrase (the tracker has heard the human's tempo once)
  std::vector<double> later_error_ms;
  int later_answers = 0, later_in_tempo = 0;
};

// One run: the engine against the human, following or not.
void run(const Human& h, const NgramModel& lm, const Vocabulary& vocab, const EncodingSpec& spec, double configured,
         bool follow, std::uint64_t seed, Figures& fig) {
  NgramTokenModel model(lm);
  DuetConfig c;
  c.mode = DuetMode::answer;
  c.bpm = configured;
  c.sampler.seed = seed;
  DuetEngine engine(model, vocab, spec, c);
  engine.start(0);
  std::optional<BeatTracker> tracker;
  LabelOracle labels;
  labels.start(configured);
  TempoFollower follower;
  const int sf = spec.sample_freq;
  std::vector<TimedMessage> out;
  std::vector<std::int64_t> onsets;
  std::size_t next = 0, ended = 0;
  std::vector<bool> locked_at_end(h.phrases.size(), false);
  const auto end = static_cast<std::int64_t>(h.beat_ns.back());
  for (std::int64_t now = 0; now < end; now += 1'000'000) {
    for (; ended < h.phrases.size() && h.phrases[ended].second <= now; ++ended)
      locked_at_end[ended] = tracker && tracker->predict(now).locked;
    for (; next < h.events.size() && h.events[next].ns <= now; ++next) {
      const Event& e = h.events[next];
      if (follow && e.msg.is_note_on()) {
        if (!tracker) {
          BeatTrackerConfig b;
          b.bpm = std::clamp(configured, b.min_bpm, b.max_bpm);
          b.beat0_ns = e.ns;
          tracker.emplace(b);
        }
        const BeatPrediction before = tracker->predict(e.ns);
        tracker->onset(e.ns, e.msg.data2);
        labels.onset(e.beat, static_cast<double>(e.ns));
        if (g_trace_onsets) {
          const BeatPrediction after = tracker->predict(e.ns);
          const double pos = h.beat_at(static_cast<double>(e.ns));
          std::fprintf(stderr, "      onset t=%.3f truebeat %.3f human %.1f | tracker %.1f->%.1f conf %.2f->%.2f L%d->%d predicted pos %.3f\n",
                       e.ns / 1e9, pos, h.bpm_at(static_cast<double>(e.ns)), before.bpm, after.bpm, before.confidence,
                       after.confidence, before.locked, after.locked,
                       (static_cast<double>(e.ns) - static_cast<double>(before.next_beat_ns)) / before.period_ns);
        }
      }
      engine.human(e.msg, e.ns);
    }
    if (tracker) {
      const std::int64_t f = engine.frontier();
      const double step_ns = static_cast<double>(engine.time_of_step(f + 1) - engine.time_of_step(f));
      const GridState g{engine.time_of_step(f), static_cast<double>(f) / sf, 60e9 / (sf * step_ns)};
      BeatPrediction pr = g_label_oracle ? labels.predict(static_cast<double>(now)) : tracker->predict(now);
      if (g_oracle) {  // the floor the follower and the engine leave: a tracker that is never wrong
        const double q = h.beat_at(static_cast<double>(now));
        pr.bpm = h.bpm_at(static_cast<double>(now));
        pr.period_ns = 60e9 / pr.bpm;
        pr.next_beat = static_cast<std::int64_t>(std::ceil(q));
        pr.next_beat_ns = std::llround(h.time_of(std::ceil(q)));
        pr.locked = true;
        pr.confidence = 1;
      }
      if (auto bpm = follower.update(pr, g)) {
        engine.set_tempo(*bpm);
        ++fig.tempo_changes;
      }
    }
    if (tracker && g_trace) {
      for (const auto& ph : h.phrases)
        if (ph.second / 1'000'000 == now / 1'000'000 || ph.first / 1'000'000 == now / 1'000'000) {
          const BeatPrediction pr = tracker->predict(now);
          std::fprintf(stderr, "    %s t=%.2f s: tracker %.1f (human %.1f) locked %d conf %.2f relocks %llu next beat err %.0f ms\n",
                       ph.first / 1'000'000 == now / 1'000'000 ? "start" : "end  ", now / 1e9, pr.bpm,
                       h.bpm_at(static_cast<double>(now)), pr.locked, pr.confidence,
                       static_cast<unsigned long long>(tracker->stats().relocks),
                       (static_cast<double>(pr.next_beat_ns) - h.time_of(std::ceil(h.beat_at(static_cast<double>(pr.next_beat_ns)) - 0.5))) / 1e6);
        }
    }
    engine.advance(now, out);
    for (const auto& m : out)
      if (m.msg.is_note_on()) onsets.push_back(m.time_ns);
    out.clear();
  }
  if (tracker && g_trace) {
    const BeatPrediction pr = tracker->predict(end);
    std::fprintf(stderr, "  human %.1f (now %.1f) configured %.1f: tracker %.1f locked %d conf %.2f relocks %llu rejected %llu/%llu\n",
                 h.bpm_at(h.beat_ns.front()), h.bpm_at(static_cast<double>(end) - 1e6), configured, pr.bpm, pr.locked,
                 pr.confidence, static_cast<unsigned long long>(tracker->stats().relocks),
                 static_cast<unsigned long long>(tracker->stats().rejected),
                 static_cast<unsigned long long>(tracker->stats().onsets));
  }
  // Answers: her note-ons between the end of one phrase and the start of the next.
  for (std::size_t p = 0; p < h.phrases.size(); ++p) {
    const std::int64_t from = h.phrases[p].second;
    const std::int64_t to = p + 1 < h.phrases.size() ? h.phrases[p + 1].first : end;
    std::vector<std::int64_t> a;
    for (auto t : onsets)
      if (t > from && t < to) a.push_back(t);
    if (a.empty()) continue;
    ++fig.answers;
    if (locked_at_end[p]) ++fig.locked_answers;
    if (p > 0) ++fig.later_answers;
    for (auto t : a) {
      const double grid = engine.step_at(t) / sf;
      double e = h.beat_at(static_cast<double>(t)) - grid;
      e -= std::round(e);
      fig.error_ms.push_back(std::abs(e) * 60e3 / h.bpm_at(static_cast<double>(t)));
      if (locked_at_end[p]) fig.locked_error_ms.push_back(fig.error_ms.back());
      if (p > 0) fig.later_error_ms.push_back(fig.error_ms.back());
    }
    double clara_bpm, human_bpm;
    if (a.back() > a.front()) {
      const double span = static_cast<double>(a.back() - a.front());
      clara_bpm = (engine.step_at(a.back()) - engine.step_at(a.front())) / sf * 60e9 / span;
      human_bpm = (h.beat_at(static_cast<double>(a.back())) - h.beat_at(static_cast<double>(a.front()))) * 60e9 / span;
    } else {
      const auto s = static_cast<std::int64_t>(std::llround(engine.step_at(a.front())));
      clara_bpm = 60e9 / (sf * static_cast<double>(engine.time_of_step(s + 1) - engine.time_of_step(s)));
      human_bpm = h.bpm_at(static_cast<double>(a.front()));
    }
    if (std::abs(clara_bpm / human_bpm - 1) <= 0.04) {
      ++fig.in_tempo;
      if (locked_at_end[p]) ++fig.locked_in_tempo;
      if (p > 0) ++fig.later_in_tempo;
    }
    if (g_trace) {
      std::vector<double> e(fig.error_ms.end() - static_cast<std::ptrdiff_t>(a.size()), fig.error_ms.end());
      std::sort(e.begin(), e.end());
      std::fprintf(stderr, "    answer %zu: %zu onsets, clara %.1f human %.1f bpm, error p50 %.0f max %.0f ms\n", p + 1,
                   a.size(), clara_bpm, human_bpm, e[e.size() / 2], e.back());
    }
  }
}

double pct(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

void print_row(const char* label, const Figures& f, const Figures& b) {
  auto frac = [](const Figures& x) { return x.answers ? 100.0 * x.in_tempo / x.answers : 0.0; };
  std::printf("%-8s | %4d | %5.1f %% | %6.1f | %6.1f | %5.1f %% | %6.1f | %6.1f | %5.2f | %5.2f\n", label, f.answers,
              frac(f), pct(f.error_ms, 0.5), pct(f.error_ms, 0.99), frac(b), pct(b.error_ms, 0.5),
              pct(b.error_ms, 0.99), pct(f.error_ms, 0.5) / std::max(pct(b.error_ms, 0.5), 1e-9),
              pct(f.error_ms, 0.99) / std::max(pct(b.error_ms, 0.99), 1e-9));
}

}  // namespace

int main(int argc, char** argv) {
  int seeds = 4;
  std::optional<double> configured_fixed, factor_fixed;
  std::filesystem::path data = CLARA_TEST_DATA_DIR;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--configured" && i + 1 < argc) {
      configured_fixed = std::atof(argv[++i]);
    } else if (a == "--noise-ms" && i + 1 < argc) {
      g_noise_ms = std::atof(argv[++i]);
    } else if (a == "--trace-onsets") {
      g_trace = g_trace_onsets = true;
    } else if (a == "--label-oracle") {
      g_label_oracle = true;
    } else if (a == "--oracle") {
      g_oracle = true;
    } else if (a == "--trace") {
      g_trace = true;
    } else if (a == "--factor" && i + 1 < argc) {
      factor_fixed = std::atof(argv[++i]);
    } else if (a == "--data" && i + 1 < argc) {
      data = argv[++i];
    } else if (std::atoi(a.c_str()) > 0) {
      seeds = std::atoi(a.c_str());
    } else {
      std::fprintf(stderr, "usage: follow_bench [SEEDS] [--configured BPM | --factor F] [--noise-ms MS] [--oracle] [--trace] "
                           "[--label-oracle] [--trace-onsets] [--data DIR]\n");
      return 64;
    }
  }
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  const Vocabulary vocab = notewise_vocabulary(spec);
  std::vector<std::vector<int>> pieces;
  std::vector<Phrase> pool;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(data))
    if (e.path().extension() == ".mid") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    try {
      const Score score = read_midi_file(path);
      EncodeCounts counts;
      const GridPiece grid = quantise(score, spec, counts);
      std::vector<int> ids;
      for (const auto& t : encode_notewise(grid, spec)) ids.push_back(vocab.id(t));
      pieces.push_back(std::move(ids));
      std::vector<Note> all;
      for (const Part& part : score.parts) all.insert(all.end(), part.notes.begin(), part.notes.end());
      std::sort(all.begin(), all.end(), [](const Note& a, const Note& b) { return a.start < b.start; });
      for (double from = 0; !all.empty() && from <= all.back().start; from += kPhraseBeats) {
        Phrase ph;
        for (const Note& n : all)
          if (n.start >= from && n.start < from + kPhraseBeats)
            ph.notes.push_back({n.pitch, n.start - from, n.end - from, n.velocity});
        if (ph.notes.size() >= 8) {
          if (g_trace) {
            std::fprintf(stderr, "phrase %zu (%s from %g):", pool.size(), path.filename().c_str(), from);
            for (const Note& n : ph.notes) std::fprintf(stderr, " %g", n.start);
            std::fprintf(stderr, "\n");
          }
          pool.push_back(std::move(ph));
        }
      }
      std::printf("fixture %s: %zu tokens\n", path.filename().c_str(), pieces.back().size());
    } catch (const std::exception& e) {
      std::printf("fixture %s skipped: %s\n", path.filename().c_str(), e.what());
    }
  }
  if (pool.empty()) {
    std::fprintf(stderr, "follow_bench: no phrases of 8 notes or more in %s\n", data.c_str());
    return 66;
  }
  const NgramModel lm = NgramModel::train(pieces, vocab.size(), 5);
  std::printf("%zu phrases of 4 bars; %d seeds a tempo; timing noise %.1f ms (sd); configured tempo %s\n\n",
              pool.size(), seeds, g_noise_ms,
              configured_fixed ? (std::to_string(*configured_fixed) + " bpm").c_str()
                               : "the human's x0.8, x0.9, x1.1, x1.25 by seed");
  std::printf("human    |      | follow                      | baseline (fixed tempo)      | follow/baseline\n");
  std::printf("bpm      | ans. | in tempo | p50 ms | p99 ms | in tempo | p50 ms | p99 ms | p50   | p99\n");
  Figures all_f, all_b;
  const double factors[] = {0.8, 0.9, 1.1, 1.25};
  for (double bpm : {70.0, 85.0, 100.0, 115.0, 130.0, 145.0, 160.0}) {
    Figures f, b;
    for (int s = 1; s <= seeds; ++s) {
      const auto seed = static_cast<std::uint64_t>(s) * 1000 + static_cast<std::uint64_t>(bpm);
      const double configured =
          configured_fixed ? *configured_fixed : bpm * (factor_fixed ? *factor_fixed : factors[(s - 1) % 4]);
      const Human h = perform(pool, static_cast<std::size_t>(s * 3), bpm, seed);
      run(h, lm, vocab, spec, configured, true, seed, f);
      run(h, lm, vocab, spec, configured, false, seed, b);
    }
    char label[16];
    std::snprintf(label, sizeof label, "%.0f", bpm);
    print_row(label, f, b);
    all_f.error_ms.insert(all_f.error_ms.end(), f.error_ms.begin(), f.error_ms.end());
    all_b.error_ms.insert(all_b.error_ms.end(), b.error_ms.begin(), b.error_ms.end());
    all_f.answers += f.answers, all_f.in_tempo += f.in_tempo, all_f.tempo_changes += f.tempo_changes;
    all_f.locked_error_ms.insert(all_f.locked_error_ms.end(), f.locked_error_ms.begin(), f.locked_error_ms.end());
    all_f.locked_answers += f.locked_answers, all_f.locked_in_tempo += f.locked_in_tempo;
    all_f.later_error_ms.insert(all_f.later_error_ms.end(), f.later_error_ms.begin(), f.later_error_ms.end());
    all_f.later_answers += f.later_answers, all_f.later_in_tempo += f.later_in_tempo;
    all_b.answers += b.answers, all_b.in_tempo += b.in_tempo;
  }
  print_row("all", all_f, all_b);
  const double in_tempo = all_f.answers ? static_cast<double>(all_f.in_tempo) / all_f.answers : 0;
  const double p99 = pct(all_f.error_ms, 0.99);
  std::printf("\nfollow: %zu onsets in %d answers, %d tempo changes; goal >= 90 %% in tempo: %s (%.1f %%), "
              "p99 <= 30 ms: %s (%.1f ms)\n",
              all_f.error_ms.size(), all_f.answers, all_f.tempo_changes, in_tempo >= 0.9 ? "met" : "NOT met",
              100 * in_tempo, p99 <= 30 ? "met" : "NOT met", p99);
  std::printf("follow, the %d answers (%.1f %%) whose phrase ended with the tracker locked: %.1f %% in tempo, "
              "onset error p50 %.1f ms, p99 %.1f ms; the other %d: the tracker unlocked or relocking (the grid "
              "holds its last tempo)\n",
              all_f.locked_answers, 100.0 * all_f.locked_answers / std::max(all_f.answers, 1),
              100.0 * all_f.locked_in_tempo / std::max(all_f.locked_answers, 1), pct(all_f.locked_error_ms, 0.5),
              pct(all_f.locked_error_ms, 0.99), all_f.answers - all_f.locked_answers);
  std::printf("follow, the %d answers after each run's first phrase: %.1f %% in tempo, onset error p50 %.1f ms, "
              "p99 %.1f ms; the %d first answers: %.1f %% in tempo\n",
              all_f.later_answers, 100.0 * all_f.later_in_tempo / std::max(all_f.later_answers, 1),
              pct(all_f.later_error_ms, 0.5), pct(all_f.later_error_ms, 0.99), all_f.answers - all_f.later_answers,
              100.0 * (all_f.in_tempo - all_f.later_in_tempo) / std::max(all_f.answers - all_f.later_answers, 1));
  return 0;
}
