#pragma once
// The duet: the human's playing and Clara's continuation as one notewise token
// stream on the sample grid, generated ahead of the clock and committed one grid
// step before it is due.
//
// Determinism (what `clara replay` relies on): the committed stream is a pure
// function of the model, the config, and the inputs with the grid step each was
// assigned to (human messages and controls take effect at the frontier, the
// first uncommitted step). Sampling is reseeded per token from (seed, token
// index), so a tail generated speculatively and then committed is identical to
// one generated fresh; speculation only saves time. Every input is appended to
// log() with its step, and replay_session() (session_replay.hpp) re-runs it.
//
// Stream rules (duet_stream.cpp; speculation.cpp keeps the tail and its rollback):
//  - the human's notes enter as onsets/ends of `human_prefix` at the frontier;
//    silence becomes wait tokens, each as long as possible (max_wait), as the
//    encoder writes them;
//  - when Clara plays, the model samples under the mask of `clara_prefix` and
//    the grammar; its onsets/ends become note-on/off due at time_of_step(step);
//    a sampled wait that the human interrupts is cut at the frontier (state
//    restored to before it, the shorter wait fed instead);
//  - answer: a phrase ends after `answer_silence_beats` with no key down and
//    the pedal up, or at a pedal release with no key down; Clara then plays
//    from the next step (its first token must be an onset) for at most
//    answer_bars bars or until it samples <eos>, and yields when the human plays
//    again: its sounding notes end at the frontier;
//  - accompany: Clara plays all the time, the human's notes in its context;
//  - solo: Clara plays all the time, human input is not added to the context; with
//    ranking on (set_solo_ranking), her stream is cut into phrases of answer_bars bars on
//    the bar lines from step 0, and a phrase generated in time is the best of N candidates
//    (below);
//  - listen: context only, Clara silent.
// Clara never sends a note-off for a note it did not start (the piano model may
// sample the end of a human note: it stays in the context, not on the port).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/duet/duet_config.hpp"
#include "core/duet/human_key.hpp"
#include "core/encoding/encoding_spec.hpp"
#include "core/generation/sampler.hpp"
#include "core/generation/token_model.hpp"
#include "core/midi/timed_message.hpp"
#include "core/encoding/vocabulary.hpp"

namespace clara {

// Solo ranking (issue 14): when the speculative head reaches a phrase start in solo mode and
// the time until that phrase is due (its first step's commit) holds the estimate
//   candidates x phrase tokens x step_ns + candidates x score_ns   (x kRankingMargin),
// the engine generates `candidates` phrases from the same state, candidate i sampled with
// candidate_seed(seed, i) (0: the seed itself), scores each with `score` (the last `window`
// tokens of the context and the candidate, fewer at the session's start), and keeps the
// highest: logged as a choice input, which replay takes without scoring. The work is done in
// slices inside advance() (never past the next commit's deadline when a clock is given: a
// scoring, which cannot be cut, waits for a call that has committed nothing, after one that
// committed the tail's steps falling due while it runs, early but unchanged, since in solo
// mode the human does not enter the stream); a
// phrase that falls due before every candidate is scored takes the best scored one when two
// or more are, else candidate 0: a fallback, as is a phrase without the time to begin.
// `step_ns` and `score_ns` are the first estimates (the caller measured them); with a clock
// the engine refines them from what it measures. Time only ever comes in as a parameter.
struct SoloRanking {
  int candidates = 1;  // 1: off
  std::size_t window = 512;
  // The probability that `window` (token ids, at most `window` long) is human playing.
  std::function<double(const std::vector<int>& window)> score;
  double step_ns = 0;   // one model step
  double score_ns = 0;  // one call of score
  static constexpr double kRankingMargin = 1.25;
};

// One input as the engine took it: what replay needs.
struct DuetInput {
  enum class Kind { human, mode, tempo, stop, sampler, velocity, instruments, reset, phrasing, model, choice };
  Kind kind = Kind::human;
  std::int64_t step = 0;  // the frontier when it took effect
  ShortMessage msg;       // human
  std::int64_t heard = 0; // human: the grid step it was played in (<= step)
  DuetMode mode = DuetMode::answer;  // mode
  double bpm = 0;         // tempo
  SamplerConfig sampler = {};  // sampler
  int velocity = 0;            // velocity (0 = follow the human)
  std::string human_prefix = {}, clara_prefix = {};  // instruments
  Phrasing phrasing = {};      // phrasing
  std::string model_name = {}, model_sha256 = {};  // model: the one playing from this step
  // choice (solo ranking): the phrase [phrase_start, phrase_end) is candidate `candidate`,
  // which the scorer judged human with probability `human_p` (not read by replay)
  std::int64_t phrase_start = 0, phrase_end = 0;
  int candidate = 0;
  double human_p = 0;
  bool operator==(const DuetInput&) const = default;
};

struct DuetStats {
  std::uint64_t tokens_generated = 0;  // sampled, speculative ones included
  std::uint64_t tokens_committed = 0;
  std::uint64_t rollbacks = 0;         // speculative tails thrown away
  std::uint64_t ignored_messages = 0;  // human messages that changed nothing (no rollback)
  // Stalls: advance() found the frontier more than max_late_steps behind the clock (the
  // inference thread or the machine stalled); the grid was re-anchored instead of
  // committing the missed steps at once, late, in a burst.
  std::uint64_t stalls = 0;
  std::int64_t stalled_ns = 0;         // the time the grid slid by, all stalls together
  std::uint64_t human_messages = 0;
  std::uint64_t answers = 0;
  // Phrase end (the moment the silence or pedal condition held: the last
  // note-off as heard plus the silence, or the pedal release) to the due time of
  // Clara's first note-on of that answer; -1 before the first answer.
  std::int64_t last_reaction_ns = -1;
  // Solo ranking: phrases chosen among two or more scored candidates, phrases played as
  // candidate 0 for want of time, and the chosen candidate's P(human) of the last ranked
  // phrase (-1 before the first).
  std::uint64_t phrases_ranked = 0;
  std::uint64_t ranking_fallbacks = 0;
  double last_phrase_human = -1;
};

class DuetEngine {
 public:
  // Validates the config (std::invalid_argument); the model must share the vocabulary.
  // `placement`: where ends go (duet_config.hpp); replay of a format-1 log passes `frontier`.
  DuetEngine(TokenModel& model, const Vocabulary& vocab, const EncodingSpec& spec, DuetConfig config,
             EndPlacement placement = EndPlacement::encoder);
  ~DuetEngine();

  // Grid step 0 falls at origin_ns. Resets the model and feeds <eos>.
  void start(std::int64_t origin_ns);

  // Time-driven API (the daemon's inference thread).
  // A human message (note on/off, CC64; others ignored) taken at the frontier.
  // Returns the step it was assigned to. `heard_ns`, when given, is when it was
  // played: the phrase-end silence counts from there, not from the frontier
  // (which runs commit_steps + 1 steps ahead of the clock), so the answer is
  // not late by the commit horizon.
  std::int64_t human(const ShortMessage& m);
  std::int64_t human(const ShortMessage& m, std::int64_t heard_ns);
  // The same with the grid step it was played in (replay); clamped to the frontier.
  std::int64_t human_at_step(const ShortMessage& m, std::int64_t heard_step);
  // Commits every step due before now + commit_steps (their Clara messages go
  // to `out` in due-time order, time_ns = due time) and generates ahead to the
  // lookahead horizon. With `clock` (the caller's monotonic clock, ns), speculation
  // stops when the next step's commit falls due and goes on at the next call, so a
  // long regeneration never delays a commit. A frontier more than
  // config().max_late_steps behind `now_ns` re-anchors the grid (DuetStats::stalls).
  void advance(std::int64_t now_ns, std::vector<TimedMessage>& out,
               const std::function<std::int64_t()>& clock = {});

  // Step-driven API (replay, tests): commit steps until frontier() == step.
  void commit_until(std::int64_t step, std::vector<TimedMessage>& out);

  // Controls take effect at the frontier; Clara's sounding notes end there.
  void set_mode(DuetMode mode, std::vector<TimedMessage>& out);
  void set_tempo(double bpm);  // re-anchors the grid at the frontier: no committed step moves
  // These validate first (std::invalid_argument naming the value; nothing changes then).
  void set_sampler(const SamplerConfig& sampler);
  void set_velocity(int velocity);  // 1..127, or 0: follow the human
  // The answer rules and the metre; an answer already playing keeps the length it began with.
  void set_phrasing(const Phrasing& phrasing);
  // Who plays what, by part prefix; Clara's sounding notes end at the frontier.
  void set_instruments(const std::string& human_prefix, const std::string& clara_prefix,
                       std::vector<TimedMessage>& out);
  // Clears the context (the model forgets the session so far, as at a new piece);
  // Clara's sounding notes end at the frontier. The grid runs on.
  void reset_context(std::vector<TimedMessage>& out);
  // Switches the token model at the frontier (hot model swap): the tail goes, the committed
  // stream stays, and `model` (same vocabulary; std::invalid_argument otherwise) is fed the
  // context so it continues where the old one stood; Clara's sounding notes go on and end
  // as the stream rules say. `fed_begin`/`fed_until`: the committed tokens a worker already
  // fed it after a reset (DuetStream::swap_model); 0, 0 feeds the whole context here. The
  // caller keeps `model` alive while the engine uses it. Logged with name and sha256.
  void swap_model(TokenModel& model, std::size_t fed_begin, std::size_t fed_until, const std::string& name,
                  const std::string& sha256);
  // Solo ranking (SoloRanking above); candidates 1 or no score turns it off. The caller keeps
  // what `score` uses alive while the engine runs. std::invalid_argument for candidates
  // outside 1..kMaxCandidates or a window of 0.
  static constexpr int kMaxCandidates = 64;
  void set_solo_ranking(SoloRanking ranking);
  // The phrase [start, end) is candidate `candidate` (what replay does with a choice input);
  // logged. A tail already past `start` is thrown away first.
  void choose_phrase(std::int64_t start, std::int64_t end, int candidate, double human_p = 0);
  // Where the model's context begins in committed_tokens() (0, or the last reset's <eos>).
  std::size_t context_begin() const;
  // Ends Clara's sounding notes at the frontier; the engine stays stopped.
  void stop(std::vector<TimedMessage>& out);

  std::int64_t frontier() const;
  std::int64_t time_of_step(std::int64_t step) const;  // ns
  double step_at(std::int64_t time_ns) const;          // fractional step
  DuetMode mode() const;
  const DuetConfig& config() const;
  const EncodingSpec& spec() const;  // fixed at construction: safe to read from any thread
  const std::vector<int>& committed_tokens() const;    // ids, from the first <eos>
  // The human's recent notes and their key, as the head of the stream (speculative tail
  // included) stands: what the key-keeping bias (SamplerConfig::key_keeping) pulls towards.
  const HumanKey& human_key() const;
  // Every input as taken, in order. A tempo, sampler, velocity or phrasing change at the same frontier as
  // the entry before it, of the same kind, replaces that entry (replay gives the same tokens),
  // unless the entry is sealed.
  const std::vector<DuetInput>& log() const;
  // The first `count` entries are final: a writer has them (the session's live replay.log), so a
  // later change replaces none of them.
  void seal_log(std::size_t count);
  const DuetStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace clara
