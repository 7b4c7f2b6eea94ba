// Solo ranking (issue 14): the engine generates N candidate phrases, commits the one the
// injected scorer prefers, falls back to candidate 0 without the time, and the session log
// replays the choice without a scorer.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "core/duet/duet_engine.hpp"
#include "core/duet/session_log.hpp"
#include "core/duet/session_replay.hpp"
#include "core/encoding/notewise_codec.hpp"
#include "core/encoding/token_table.hpp"
#include "tests/core/generation/fake_token_models.hpp"

namespace clara {
namespace {

using testing::HashModel;

const EncodingSpec kPiano = EncodingSpec::defaults(Encoding::notewise);

DuetConfig solo_config(std::uint64_t seed) {
  DuetConfig c;
  c.mode = DuetMode::solo;
  c.sampler.policy = SamplingPolicy::kTemperature;
  c.sampler.seed = seed;
  c.answer_bars = 1;  // phrases of one bar: 48 steps
  c.max_late_steps = 0;
  return c;
}

// The fake critic: the more onsets in its window, the more human. Records every window.
struct OnsetScorer {
  explicit OnsetScorer(const Vocabulary& v) : table(v) {}
  TokenTable table;
  std::vector<std::vector<int>> windows;
  std::vector<double> scores;
  double operator()(const std::vector<int>& w) {
    int onsets = 0;
    for (int id : w)
      if (table.info(id).kind == TokenKind::kOnset) ++onsets;
    windows.push_back(w);
    scores.push_back(1.0 - 1.0 / (1.0 + onsets));
    return scores.back();
  }
};

struct Played {
  std::vector<int> tokens;
  std::vector<DuetInput> log;
  DuetStats stats;
  std::int64_t end_step = 0;
  DuetConfig config;
};

constexpr std::int64_t kOrigin = 1'000'000'000;

// Advances the engine on a simulated clock, every 5 ms for `ms`, then stops it.
Played play(const Vocabulary& v, DuetConfig c, int candidates, double step_ns, OnsetScorer* scorer,
         std::size_t window, int ms = 12'000) {
  HashModel model(v.size(), 3);
  DuetEngine e(model, v, kPiano, c);
  if (scorer) {
    SoloRanking r;
    r.candidates = candidates;
    r.window = window;
    r.score = [scorer](const std::vector<int>& w) { return (*scorer)(w); };
    r.step_ns = step_ns;
    r.score_ns = 0;
    e.set_solo_ranking(r);
  }
  e.start(kOrigin);
  std::vector<TimedMessage> out;
  for (int t = 0; t < ms; t += 5) e.advance(kOrigin + std::int64_t{t} * 1'000'000, out);
  e.stop(out);
  return {e.committed_tokens(), e.log(), e.stats(), e.frontier(), e.config()};
}

std::vector<int> replayed(const Vocabulary& v, const Played& run, std::vector<DuetInput> inputs) {
  SessionLog log;
  log.model_name = "hash";
  log.model_sha256 = "0";
  log.spec = kPiano;
  log.config = run.config;
  log.origin_ns = kOrigin;
  log.inputs = std::move(inputs);
  log.end_step = run.end_step;
  HashModel model(v.size(), 3);
  return replay_session(log, model, v, kPiano, nullptr);
}

std::vector<DuetInput> choices(const std::vector<DuetInput>& log) {
  std::vector<DuetInput> r;
  for (const auto& in : log)
    if (in.kind == DuetInput::Kind::choice) r.push_back(in);
  return r;
}

TEST(SoloRanking, CommitsTheCandidateTheScorerPrefers) {
  const Vocabulary v = notewise_vocabulary(kPiano);
  OnsetScorer scorer(v);
  const int n = 4;
  // A window longer than the session: each is the whole context plus the candidate, so the
  // chosen one must be a prefix of what was committed.
  const Played run = play(v, solo_config(7), n, 1.0, &scorer, 100'000);
  const auto picked = choices(run.log);
  ASSERT_GE(picked.size(), 3u);
  EXPECT_EQ(run.stats.phrases_ranked, picked.size());
  EXPECT_EQ(run.stats.ranking_fallbacks, 0u);
  ASSERT_EQ(scorer.windows.size(), n * picked.size());  // no rollback here: each phrase once
  bool some_not_first = false;
  std::size_t committed_phrases = 0;
  for (std::size_t p = 0; p < picked.size(); ++p) {
    const auto first = scorer.scores.begin() + static_cast<std::ptrdiff_t>(p * n);
    const auto best = std::max_element(first, first + n);  // the first of equals, as the engine
    const auto index = static_cast<int>(best - first);
    EXPECT_EQ(picked[p].candidate, index) << "phrase " << p;
    EXPECT_DOUBLE_EQ(picked[p].human_p, *best);
    EXPECT_EQ(picked[p].phrase_end - picked[p].phrase_start, 4 * kPiano.sample_freq);
    EXPECT_EQ(picked[p].phrase_start % (4 * kPiano.sample_freq), 0);
    some_not_first = some_not_first || index != 0;
    if (picked[p].phrase_end > run.end_step) continue;  // ranked ahead, not committed before the stop
    ++committed_phrases;
    const auto& w = scorer.windows[p * n + static_cast<std::size_t>(index)];
    ASSERT_LE(w.size(), run.tokens.size());
    EXPECT_TRUE(std::equal(w.begin(), w.end(), run.tokens.begin())) << "phrase " << p << ": the winner was not committed";
    for (int i = 0; i < n; ++i) {
      const auto& lost = scorer.windows[p * n + static_cast<std::size_t>(i)];
      if (lost == w || lost.size() > run.tokens.size()) continue;
      EXPECT_FALSE(std::equal(lost.begin(), lost.end(), run.tokens.begin())) << "phrase " << p << " candidate " << i;
    }
  }
  EXPECT_GE(committed_phrases, 3u);
  EXPECT_TRUE(some_not_first) << "every phrase kept candidate 0: the ranking changed nothing";
  EXPECT_DOUBLE_EQ(run.stats.last_phrase_human, picked.back().human_p);

  // Unranked, the same seed plays other tokens (candidate 0 throughout).
  const Played plain = play(v, solo_config(7), 1, 0, nullptr, 0);
  EXPECT_NE(plain.tokens, run.tokens);
  EXPECT_TRUE(choices(plain.log).empty());
}

TEST(SoloRanking, ReplayTakesTheRecordedChoiceWithoutAScorer) {
  const Vocabulary v = notewise_vocabulary(kPiano);
  OnsetScorer scorer(v);
  const Played run = play(v, solo_config(11), 3, 1.0, &scorer, 64);
  ASSERT_GE(choices(run.log).size(), 3u);
  EXPECT_EQ(replayed(v, run, run.log), run.tokens);
  // Through the log's text, as `clara replay` reads it.
  std::string text;
  for (const auto& in : run.log) text += session_log_line(in);
  EXPECT_NE(text.find(" choice "), std::string::npos) << text;
  // The choice is what makes the tokens: a log without it (an old log) replays candidate 0,
  // and another candidate replays other tokens.
  std::vector<DuetInput> without;
  for (const auto& in : run.log)
    if (in.kind != DuetInput::Kind::choice) without.push_back(in);
  const Played plain = play(v, solo_config(11), 1, 0, nullptr, 0);
  EXPECT_EQ(replayed(v, run, without), plain.tokens);
  std::vector<DuetInput> other = run.log;
  for (auto& in : other)
    if (in.kind == DuetInput::Kind::choice) {
      in.candidate = (in.candidate + 1) % 3;
      break;
    }
  EXPECT_NE(replayed(v, run, other), run.tokens);
}

TEST(SoloRanking, FallsBackToOneCandidateWithoutTheTime) {
  const Vocabulary v = notewise_vocabulary(kPiano);
  OnsetScorer scorer(v);
  // A second a model step: no phrase fits the time before it is due.
  const Played slow = play(v, solo_config(7), 4, 1e9, &scorer, 512);
  EXPECT_EQ(slow.stats.phrases_ranked, 0u);
  EXPECT_GE(slow.stats.ranking_fallbacks, 5u);
  EXPECT_TRUE(scorer.windows.empty());
  EXPECT_TRUE(choices(slow.log).empty());
  EXPECT_DOUBLE_EQ(slow.stats.last_phrase_human, -1.0);
  const Played plain = play(v, solo_config(7), 1, 0, nullptr, 0);
  EXPECT_EQ(slow.tokens, plain.tokens);  // candidate 0 is the unranked stream

  // Just enough time (the estimate scales with the step time): at 120 bpm a one-bar phrase is
  // due 2 s after the head reaches it; 4 candidates of some 100 tokens at 1 ms a token fit.
  OnsetScorer fits_scorer(v);
  const Played fits = play(v, solo_config(7), 4, 1e6, &fits_scorer, 512);
  EXPECT_GT(fits.stats.phrases_ranked, 0u);
}

TEST(SoloRanking, OnlyInSoloMode) {
  const Vocabulary v = notewise_vocabulary(kPiano);
  OnsetScorer scorer(v);
  DuetConfig c = solo_config(7);
  c.mode = DuetMode::accompany;
  const Played run = play(v, c, 4, 1.0, &scorer, 512, 4000);
  EXPECT_EQ(run.stats.phrases_ranked + run.stats.ranking_fallbacks, 0u);
  EXPECT_TRUE(scorer.windows.empty());
}

TEST(SoloRanking, HumanInputRollsBackAndTheRankedPhraseStays) {
  const Vocabulary v = notewise_vocabulary(kPiano);
  OnsetScorer scorer(v);
  HashModel model(v.size(), 3);
  DuetEngine e(model, v, kPiano, solo_config(5));
  SoloRanking r;
  r.candidates = 3;
  r.window = 128;
  r.score = [&scorer](const std::vector<int>& w) { return scorer(w); };
  r.step_ns = 1;
  e.set_solo_ranking(r);
  e.start(kOrigin);
  std::vector<TimedMessage> out;
  for (int t = 0; t < 9000; t += 5) {
    e.advance(kOrigin + std::int64_t{t} * 1'000'000, out);
    if (t % 700 == 0) e.human({0x90, 60, 80}, kOrigin + std::int64_t{t} * 1'000'000);
    if (t % 700 == 350) e.human({0x80, 60, 0}, kOrigin + std::int64_t{t} * 1'000'000);
  }
  e.stop(out);
  EXPECT_GT(e.stats().rollbacks, 0u);
  EXPECT_GE(e.stats().phrases_ranked, 2u);
  Played run{e.committed_tokens(), e.log(), e.stats(), e.frontier(), e.config()};
  EXPECT_EQ(replayed(v, run, run.log), run.tokens);
  // Every note Clara started ends.
  int sounding = 0;
  for (const auto& m : out) sounding += m.msg.is_note_on() ? 1 : m.msg.is_note_off() ? -1 : 0;
  EXPECT_EQ(sounding, 0);
}

// With the caller's clock the work is cut into slices at each commit deadline; a phrase that
// falls due before its candidates are all scored is decided then; a scoring longer than a grid
// step (the shipped critic takes ~65 ms, a step at 120 bpm is 42 ms) is preceded by commits, so
// it never holds one up. Either way the log replays.
TEST(SoloRanking, WorkSlicedByTheClockReplaysAndFallsDueInTime) {
  const Vocabulary v = notewise_vocabulary(kPiano);
  struct Case {
    std::int64_t ns_per_call, score_ns;
    int beats_per_bar, answer_bars, candidates;
    std::uint64_t min_ranked, min_fallbacks;
  };
  // 4 x ~50 tokens x 20 us, and 150 ms a score: 4 of them fit the 2 s of a 4/4 bar at 120 bpm;
  // 4 phrases of 48 steps, each step ~18 ms of clock calls, do not; in 2/4 (1 s a phrase) the
  // commits ahead of 2 scorings of 400 ms (1.6 s at first) reach over the bar line inside a
  // two-bar phrase.
  for (const auto& [ns_per_call, score_ns, beats, bars, n, min_ranked, min_fallbacks] :
       {Case{20'000, 0, 4, 1, 4, 5, 0}, Case{6'000'000, 0, 4, 1, 4, 0, 1}, Case{20'000, 150'000'000, 4, 1, 4, 5, 0},
        Case{20'000, 400'000'000, 2, 2, 2, 0, 0}}) {
    SCOPED_TRACE(std::to_string(ns_per_call) + " ns a clock call, " + std::to_string(score_ns) + " ns a score, " +
                 std::to_string(beats) + " beats a bar");
    OnsetScorer scorer(v);
    std::int64_t now = kOrigin;
    std::vector<TimedMessage> out;
    HashModel model(v.size(), 3);
    DuetConfig c = solo_config(9);
    c.beats_per_bar = beats;
    c.answer_bars = bars;
    DuetEngine e(model, v, kPiano, c);
    SoloRanking r;
    r.candidates = n;
    r.window = 256;
    r.score = [&scorer, &now, &out, score_ns](const std::vector<int>& w) {
      // What the call committed went out before the scoring holds the thread.
      EXPECT_TRUE(out.empty()) << "scoring with " << out.size() << " committed messages not yet sent";
      now += score_ns;
      return scorer(w);
    };
    r.step_ns = 1;  // the first estimate fits; the clock then says how long it really takes
    r.score_ns = static_cast<double>(score_ns);
    e.set_solo_ranking(r);
    e.start(kOrigin);
    const auto clock = [&] { return now += ns_per_call; };
    std::set<std::int64_t> frontiers;  // where the frontier stood after each call
    for (std::int64_t t = kOrigin; t < kOrigin + 15'000'000'000; t += 5'000'000) {
      now = std::max(now, t);
      e.advance(now, out, clock);
      frontiers.insert(e.frontier());
      // The work stops at the next commit's deadline (give or take the clock calls of a step).
      EXPECT_LE(now, e.time_of_step(e.frontier() - 1) + 4 * ns_per_call) << "ranking held up a commit";
      // Sent (when the call returns) before they are due, give or take a grid step of the
      // fake clock's own calls at the start.
      for (const auto& m : out) EXPECT_GE(m.time_ns, now - 42'000'000) << "sent " << (now - m.time_ns) / 1e6 << " ms late";
      out.clear();
    }
    e.stop(out);
    const DuetStats st = e.stats();
    EXPECT_EQ(st.stalls, 0u);
    EXPECT_GE(st.phrases_ranked + st.ranking_fallbacks, 5u);
    EXPECT_GE(st.phrases_ranked, min_ranked);
    EXPECT_GE(st.ranking_fallbacks, min_fallbacks);
    // It stood on every bar line (the daemon applies bar-line controls there), even where it
    // was committing ahead of a scoring.
    const std::int64_t bar = beats * kPiano.sample_freq;
    for (std::int64_t b = bar; b < e.frontier(); b += bar) EXPECT_TRUE(frontiers.count(b)) << "bar line " << b << " skipped";
    Played run{e.committed_tokens(), e.log(), st, e.frontier(), e.config()};
    EXPECT_EQ(replayed(v, run, run.log), run.tokens);
  }
}

TEST(SoloRanking, RefusesBadSettings) {
  const Vocabulary v = notewise_vocabulary(kPiano);
  HashModel model(v.size(), 3);
  DuetEngine e(model, v, kPiano, solo_config(1));
  SoloRanking r;
  r.candidates = 0;
  EXPECT_THROW(e.set_solo_ranking(r), std::invalid_argument);
  r.candidates = DuetEngine::kMaxCandidates + 1;
  EXPECT_THROW(e.set_solo_ranking(r), std::invalid_argument);
  r.candidates = 2;
  r.window = 0;
  EXPECT_THROW(e.set_solo_ranking(r), std::invalid_argument);
  r.window = 8;
  EXPECT_NO_THROW(e.set_solo_ranking(r));
}

}  // namespace
}  // namespace clara
