#include "core/duet/duet_engine.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <optional>
#include <stdexcept>
#include <utility>

#include "core/duet/duet_stream.hpp"
#include "core/duet/speculation.hpp"
#include "core/duet/tempo_map.hpp"

namespace clara {

// The engine composes the stream (what is written), speculation (what is written
// ahead) and the tempo map (when it is due), and keeps the log replay needs.
struct DuetEngine::Impl {
  Impl(TokenModel& m, const Vocabulary& v, const EncodingSpec& s, DuetConfig c, EndPlacement placement)
      : spec(s), tempo(s.sample_freq, c.bpm), stream(m, v, s, c, tempo, stats, placement),
        lookahead(c.lookahead_steps > 0 ? c.lookahead_steps : 2 * s.sample_freq) {}

  EncodingSpec spec;
  DuetStats stats;
  TempoMap tempo;
  DuetStream stream;
  Speculation speculation;
  int lookahead;
  bool started = false, stopped = false;
  std::int64_t frontier = 0;
  std::vector<DuetInput> log;
  std::size_t sealed = 0;  // log entries before this one are final (seal_log)

  // A setting that replaces the one before it: a second change of the same kind at the same
  // frontier replaces the first in the log, unless that one is sealed. Replay gives the same
  // tokens: nothing was committed between the two, and each of these kinds (tempo, sampler,
  // velocity, phrasing) only sets a value, discarding the speculative tail or re-timing steps not
  // yet committed. A control surface's fader (or a
  // flood of datagrams) sending many changes a grid step so costs one entry a step.
  void log_setting(const DuetInput& in) {
    if (log.size() > sealed && log.back().kind == in.kind && log.back().step == in.step)
      log.back() = in;
    else
      log.push_back(in);
  }

  // Only note on/off and the sustain pedal enter the duet, and only when they change
  // something: a note-off for a key not down, or a pedal value on the same side of 64
  // (continuous pedals send dozens a second), would throw the tail away for nothing.
  bool changes_state(const ShortMessage& msg) {
    const StreamHead& h = stream.head();
    bool changes = false;
    if (msg.is_note_on())
      changes = true;
    else if (msg.is_note_off())
      changes = h.key_down[msg.data1 & 0x7F] > 0;
    else if (msg.is_control(64))
      changes = (msg.data2 >= 64) != h.pedal;
    else
      return false;
    if (!changes) ++stats.ignored_messages;
    return changes;
  }

  // Solo ranking: the job of the phrase being ranked, between advance() calls.
  SoloRanking ranking;
  double step_ns_est = 0, score_ns_est = 0, phrase_tokens_est = 0;
  double score_ns_max = 0;  // the slowest scoring seen: what committing ahead of one allows for
  struct Candidate {
    int index = 0;
    std::deque<StepRecord> records;
    std::vector<int> tokens;
    std::optional<StreamSnapshot> end;  // the stream after it (kept for the best one)
    double human = 0;
  };
  struct RankJob {
    std::int64_t start = 0, end = 0;
    StreamSnapshot origin;    // the stream at the phrase start
    std::vector<int> prompt;  // the context before the phrase (its last `window` tokens)
    int index = 0;            // the candidate being generated
    Candidate current;
    std::optional<Candidate> best;
    int scored = 0;
    double gen_ns = 0;        // measured model time (with a clock)
    std::size_t gen_tokens = 0;
  };
  std::optional<RankJob> job;

  bool ranking_on() const {
    return ranking.candidates > 1 && ranking.score && stream.mode() == DuetMode::solo;
  }
  std::int64_t phrase_steps() const {
    const DuetConfig& c = stream.config();
    return static_cast<std::int64_t>(c.answer_bars) * c.beats_per_bar * spec.sample_freq;
  }

  void rollback() {
    if (job) {  // the phrase being ranked goes with the tail; it is ranked again when reached
      if (speculation.size() == 0) stream.restore(job->origin);
      stream.set_trial_seed(std::nullopt);
      job.reset();
    }
    if (speculation.rollback(stream)) ++stats.rollbacks;
  }

  // The head stands on the start of an unchosen phrase: rank it when the estimate fits the
  // time until it is due, else play candidate 0 (a fallback).
  void begin_phrase(std::int64_t now_ns) {
    const std::int64_t start = stream.head().step, end = start + phrase_steps();
    const double n = ranking.candidates;
    const double per_step =
        frontier > 0 ? static_cast<double>(stream.committed().size()) / static_cast<double>(frontier) : 1.0;
    const double tokens =
        phrase_tokens_est > 0 ? phrase_tokens_est : std::max(1.0, per_step) * static_cast<double>(end - start);
    const double needed = SoloRanking::kRankingMargin * n * (tokens * step_ns_est + score_ns_est);
    const auto available = static_cast<double>(tempo.time_of(start - stream.config().commit_steps) - now_ns);
    if (needed > available) {
      stream.choose_phrase(PhraseSeed{start, end, 0});
      ++stats.ranking_fallbacks;
      return;
    }
    RankJob& j = job.emplace(RankJob{start, end, stream.snapshot(), {}, 0, {}, std::nullopt, 0, 0, 0});
    const std::vector<int>& committed = stream.committed();
    std::vector<int> context(committed.begin() + static_cast<std::ptrdiff_t>(stream.context_begin()), committed.end());
    for (const StepRecord& r : speculation.tail()) context.insert(context.end(), r.tokens.begin(), r.tokens.end());
    const std::size_t keep = std::min(context.size(), ranking.window);
    j.prompt.assign(context.end() - static_cast<std::ptrdiff_t>(keep), context.end());
    stream.set_trial_seed(PhraseSeed{start, end, 0});
  }

  std::vector<int> critic_window(const std::vector<int>& prompt, const std::vector<int>& candidate) const {
    std::vector<int> w;
    const std::size_t n = ranking.window;
    const std::size_t from_candidate = std::min(candidate.size(), n);
    const std::size_t from_prompt = std::min(prompt.size(), n - from_candidate);
    w.insert(w.end(), prompt.end() - static_cast<std::ptrdiff_t>(from_prompt), prompt.end());
    w.insert(w.end(), candidate.end() - static_cast<std::ptrdiff_t>(from_candidate), candidate.end());
    return w;
  }

  // Generates and scores candidates until the job is done (true) or the time is up (false).
  bool work_job(const std::function<bool()>& late, const std::function<std::int64_t()>& clock,
                std::vector<TimedMessage>& out) {
    RankJob& j = *job;
    while (true) {
      if (stream.head().step < j.end) {
        if (late()) return false;
        const std::int64_t t0 = clock ? clock() : 0;
        StepRecord rec = stream.produce(true);
        if (clock) j.gen_ns += static_cast<double>(clock() - t0);
        j.current.tokens.insert(j.current.tokens.end(), rec.tokens.begin(), rec.tokens.end());
        j.current.records.push_back(std::move(rec));
        continue;
      }
      if (clock) {
        // Scoring cannot stop at a deadline, and what this call committed goes out only when it
        // returns: unless it has committed nothing and the frontier's next commit falls due after
        // the slowest scoring seen (twice over), the tail's steps due meanwhile are committed now
        // (early but unchanged: in solo mode the human does not enter the stream) and the call
        // returns so that the caller sends them; the next call scores.
        const auto until = clock() + static_cast<std::int64_t>(2 * score_ns_max);
        const int commit_steps = stream.config().commit_steps;
        if (!out.empty() || tempo.time_of(frontier - commit_steps) < until) {
          // Never past a bar line in one call: the frontier stands on each, where the daemon's
          // bar-line controls (a mode change, a model swap) take effect.
          const std::int64_t bar = static_cast<std::int64_t>(stream.config().beats_per_bar) * spec.sample_freq;
          bool moved = false;
          while (speculation.size() > 0 && tempo.time_of(frontier - commit_steps) < until &&
                 !(moved && bar > 0 && frontier % bar == 0)) {
            StepRecord rec = speculation.next(stream);
            commit(rec, out);
            moved = true;
          }
          return false;
        }
      }
      const std::int64_t t0 = clock ? clock() : 0;
      double p = ranking.score(critic_window(j.prompt, j.current.tokens));
      if (clock) {
        const auto took = static_cast<double>(clock() - t0);
        score_ns_est = 0.5 * score_ns_est + 0.5 * took;
        score_ns_max = std::max(score_ns_max, took);
      }
      if (!std::isfinite(p)) p = 0;
      j.gen_tokens += j.current.tokens.size();
      ++j.scored;
      j.current.index = j.index;
      j.current.human = p;
      if (!j.best || p > j.best->human) {
        j.current.end.emplace(stream.snapshot());
        j.best = std::move(j.current);
      }
      j.current = Candidate{};
      if (++j.index >= ranking.candidates) {
        finish_job();
        return true;
      }
      stream.restore(j.origin);
      stream.set_trial_seed(PhraseSeed{j.start, j.end, j.index});
    }
  }

  // The phrase is decided: the best scored candidate (ranked when two or more were scored),
  // else candidate 0 as far as it was generated (a fallback). Its steps join the tail.
  void finish_job() {
    RankJob& j = *job;
    stream.set_trial_seed(std::nullopt);
    Candidate* chosen = nullptr;
    if (j.best) {
      stream.restore(*j.best->end);
      chosen = &*j.best;
    } else if (j.index == 0) {
      chosen = &j.current;  // candidate 0 so far: the head stands where it ended
    } else {
      stream.restore(j.origin);
    }
    if (chosen)
      for (StepRecord& r : chosen->records) speculation.append(std::move(r));
    const int index = j.best && j.scored >= 2 ? j.best->index : 0;
    stream.choose_phrase(PhraseSeed{j.start, j.end, index});
    if (j.best && j.scored >= 2) {
      ++stats.phrases_ranked;
      stats.last_phrase_human = j.best->human;
      DuetInput in = input(DuetInput::Kind::choice);
      in.phrase_start = j.start;
      in.phrase_end = j.end;
      in.candidate = index;
      in.human_p = j.best->human;
      log.push_back(in);
      phrase_tokens_est = static_cast<double>(j.gen_tokens) / j.scored;
      if (j.gen_ns > 0 && j.gen_tokens > 0)
        step_ns_est = 0.5 * step_ns_est + 0.5 * j.gen_ns / static_cast<double>(j.gen_tokens);
    } else {
      ++stats.ranking_fallbacks;
    }
    job.reset();
  }

  // Speculation up to the horizon (a phrase ahead while ranking), ranking each phrase start.
  void speculate(std::int64_t now_ns, const std::function<bool()>& late, const std::function<std::int64_t()>& clock,
                 std::vector<TimedMessage>& out) {
    const bool ranked = ranking_on();
    std::int64_t horizon = frontier + lookahead;
    if (ranked) horizon = std::max(horizon, frontier + phrase_steps());
    while (true) {
      if (job) {
        if (!work_job(late, clock, out)) return;
        continue;
      }
      const std::int64_t s = stream.head().step;
      if (s >= horizon || late()) return;
      if (ranked && s % phrase_steps() == 0 && !stream.phrase_chosen(s)) {
        begin_phrase(clock ? clock() : now_ns);
        if (job) continue;
      }
      speculation.append(stream.produce(true));
    }
  }

  void commit(StepRecord& rec, std::vector<TimedMessage>& out) {
    stream.commit(rec);
    stats.tokens_committed += rec.tokens.size();
    std::stable_sort(rec.msgs.begin(), rec.msgs.end(),
                     [](const PendingMessage& a, const PendingMessage& b) { return a.due_step < b.due_step; });
    const std::uint8_t port = stream.config().clara_port;
    for (const PendingMessage& p : rec.msgs) out.push_back(TimedMessage{tempo.time_of(p.due_step), p.msg, port});
    if (rec.answer_onset) {
      ++stats.answers;
      stats.last_reaction_ns = tempo.time_of(rec.step) - rec.phrase_end_ns;
    }
    frontier = rec.step + 1;
  }

  void commit_until(std::int64_t step, std::vector<TimedMessage>& out) {
    while (frontier < step) {
      if (job && speculation.size() == 0) finish_job();  // the phrase is due: decide it now
      StepRecord rec = speculation.next(stream);
      commit(rec, out);
    }
  }

  // A control at the frontier: the tail goes, Clara's sounding notes end now.
  void end_clara_at_frontier(std::vector<TimedMessage>& out) {
    rollback();
    if (stream.head().clara_sounding > 0) {
      stream.ensure_writable(true);
      stream.end_clara_notes(&out);
    }
  }

  void require_started(const char* what) const {
    if (!started) throw std::logic_error(std::string("DuetEngine::") + what + " before start()");
  }

  static DuetInput human_input(std::int64_t f, const ShortMessage& msg, std::int64_t heard) {
    DuetInput in;
    in.step = f;
    in.msg = msg;
    in.heard = heard;
    return in;
  }

  DuetInput input(DuetInput::Kind kind) const {
    DuetInput in;
    in.kind = kind;
    in.step = frontier;
    return in;
  }
};

DuetEngine::DuetEngine(TokenModel& model, const Vocabulary& vocab, const EncodingSpec& spec, DuetConfig config,
                       EndPlacement placement) {
  config.validate(spec);
  if (model.vocab_size() != vocab.size())
    throw std::invalid_argument("DuetEngine: the model has " + std::to_string(model.vocab_size()) +
                                " outputs, the vocabulary " + std::to_string(vocab.size()) + " tokens");
  impl_ = std::make_unique<Impl>(model, vocab, spec, std::move(config), placement);
}

DuetEngine::~DuetEngine() = default;

void DuetEngine::start(std::int64_t origin_ns) {
  Impl& m = *impl_;
  m.started = true;
  m.stopped = false;
  m.tempo = TempoMap(m.spec.sample_freq, m.stream.config().bpm, origin_ns);
  m.frontier = 0;
  m.speculation.clear();
  m.job.reset();
  m.step_ns_est = m.ranking.step_ns;
  m.score_ns_est = m.ranking.score_ns;
  m.score_ns_max = 2 * m.ranking.score_ns;  // the first calls on a fresh thread run slower
  m.phrase_tokens_est = 0;
  m.log.clear();
  m.stats = DuetStats{};
  m.stream.reset();
}

std::int64_t DuetEngine::human(const ShortMessage& msg) {
  Impl& m = *impl_;
  m.require_started("human");
  return human_at_step(msg, m.frontier);
}

std::int64_t DuetEngine::human(const ShortMessage& msg, std::int64_t heard_ns) {
  Impl& m = *impl_;
  m.require_started("human");
  // Only the statistics use the exact time; the stream depends on the step alone.
  if (m.stopped || !m.changes_state(msg)) return m.frontier;
  const auto heard_step = static_cast<std::int64_t>(std::floor(m.tempo.step_at(heard_ns)));
  m.rollback();
  const std::int64_t f = m.frontier;
  const std::int64_t heard = std::clamp<std::int64_t>(heard_step, 0, f);
  m.log.push_back(Impl::human_input(f, msg, heard));
  ++m.stats.human_messages;
  m.stream.human(msg, f, heard, heard_ns);
  return f;
}

std::int64_t DuetEngine::human_at_step(const ShortMessage& msg, std::int64_t heard_step) {
  Impl& m = *impl_;
  m.require_started("human");
  if (m.stopped || !m.changes_state(msg)) return m.frontier;
  m.rollback();
  const std::int64_t f = m.frontier;
  const std::int64_t heard = std::clamp<std::int64_t>(heard_step, 0, f);
  m.log.push_back(Impl::human_input(f, msg, heard));
  ++m.stats.human_messages;
  m.stream.human(msg, f, heard, -1);
  return f;
}

void DuetEngine::advance(std::int64_t now_ns, std::vector<TimedMessage>& out,
                         const std::function<std::int64_t()>& clock) {
  Impl& m = *impl_;
  m.require_started("advance");
  if (m.stopped) return;
  const int commit = m.stream.config().commit_steps;
  const std::int64_t step_ns = m.tempo.time_of(m.frontier + 1) - m.tempo.time_of(m.frontier);
  const std::int64_t late_ns = now_ns - m.tempo.time_of(m.frontier);
  const int max_late = m.stream.config().max_late_steps;
  if (max_late > 0 && late_ns > max_late * step_ns) {
    // The frontier is due one step from now, as if the stall had not happened.
    const std::int64_t due = now_ns + step_ns;
    m.stats.stalls += 1;
    m.stats.stalled_ns += due - m.tempo.time_of(m.frontier);
    m.tempo.reanchor(m.frontier, due);
  }
  const auto target = static_cast<std::int64_t>(std::floor(m.tempo.step_at(now_ns))) + 1 + commit;
  m.commit_until(target, out);
  if (!clock) {
    m.speculate(now_ns, [] { return false; }, clock, out);
    return;
  }
  // The next commit is due when the clock reaches the start of step frontier - commit (the
  // frontier moves when ranking commits ahead of a scoring).
  m.speculate(now_ns, [&] { return clock() >= m.tempo.time_of(m.frontier - commit); }, clock, out);
}

void DuetEngine::commit_until(std::int64_t step, std::vector<TimedMessage>& out) {
  Impl& m = *impl_;
  m.require_started("commit_until");
  if (m.stopped) return;
  m.commit_until(step, out);
}

void DuetEngine::set_mode(DuetMode mode, std::vector<TimedMessage>& out) {
  Impl& m = *impl_;
  m.require_started("set_mode");
  if (m.stopped) return;
  m.rollback();
  DuetInput in = m.input(DuetInput::Kind::mode);
  in.mode = mode;
  m.log.push_back(in);
  m.end_clara_at_frontier(out);
  m.stream.set_mode(mode);
}

void DuetEngine::set_tempo(double bpm) {
  Impl& m = *impl_;
  if (!std::isfinite(bpm) || bpm < DuetLimits::kMinBpm || bpm > DuetLimits::kMaxBpm)
    throw std::invalid_argument("DuetEngine::set_tempo: bpm = " + std::to_string(bpm) + " is not within [20, 400]");
  m.tempo.set_tempo(m.frontier, bpm);
  if (m.started) {
    DuetInput in = m.input(DuetInput::Kind::tempo);
    in.bpm = bpm;
    m.log_setting(in);
  }
}

void DuetEngine::set_sampler(const SamplerConfig& sampler) {
  Impl& m = *impl_;
  m.require_started("set_sampler");
  sampler.validate();
  if (m.stopped) return;
  m.rollback();  // the tail was sampled under the old settings
  m.stream.set_sampler(sampler);
  DuetInput in = m.input(DuetInput::Kind::sampler);
  in.sampler = sampler;
  m.log_setting(in);
}

void DuetEngine::set_velocity(int velocity) {
  Impl& m = *impl_;
  m.require_started("set_velocity");
  if (velocity < 0 || velocity > 127)
    throw std::invalid_argument("DuetEngine::set_velocity: velocity = " + std::to_string(velocity) +
                                " is not within 0..127 (0 = follow the human)");
  if (m.stopped) return;
  m.rollback();
  m.stream.set_fixed_velocity(velocity);
  DuetInput in = m.input(DuetInput::Kind::velocity);
  in.velocity = velocity;
  m.log_setting(in);
}

void DuetEngine::set_phrasing(const Phrasing& phrasing) {
  Impl& m = *impl_;
  m.require_started("set_phrasing");
  phrasing.validate();
  if (m.stopped) return;
  m.rollback();  // the tail may have heard a phrase end by the old rule
  m.stream.set_phrasing(phrasing);
  DuetInput in = m.input(DuetInput::Kind::phrasing);
  in.phrasing = phrasing;
  m.log_setting(in);
}

void DuetEngine::set_instruments(const std::string& human_prefix, const std::string& clara_prefix,
                                 std::vector<TimedMessage>& out) {
  Impl& m = *impl_;
  m.require_started("set_instruments");
  DuetConfig next = m.stream.config();
  next.human_prefix = human_prefix;
  next.clara_prefix = clara_prefix;
  next.validate(m.spec);  // before anything changes
  if (m.stopped) return;
  m.end_clara_at_frontier(out);
  m.stream.ensure_writable();
  m.stream.set_instruments(human_prefix, clara_prefix);
  DuetInput in = m.input(DuetInput::Kind::instruments);
  in.human_prefix = human_prefix;
  in.clara_prefix = clara_prefix;
  m.log.push_back(in);
}

void DuetEngine::reset_context(std::vector<TimedMessage>& out) {
  Impl& m = *impl_;
  m.require_started("reset_context");
  if (m.stopped) return;
  m.end_clara_at_frontier(out);
  m.stream.ensure_writable();
  m.stream.set_mode(m.stream.mode());  // an answer in progress is over
  m.stream.clear_context();
  m.log.push_back(m.input(DuetInput::Kind::reset));
}

void DuetEngine::swap_model(TokenModel& model, std::size_t fed_begin, std::size_t fed_until, const std::string& name,
                            const std::string& sha256) {
  Impl& m = *impl_;
  m.require_started("swap_model");
  if (m.stopped) return;
  m.rollback();  // the tail was sampled by the old model
  m.stream.swap_model(model, fed_begin, fed_until);
  DuetInput in = m.input(DuetInput::Kind::model);
  in.model_name = name;
  in.model_sha256 = sha256;
  m.log.push_back(in);
}

void DuetEngine::set_solo_ranking(SoloRanking ranking) {
  Impl& m = *impl_;
  if (ranking.candidates < 1 || ranking.candidates > kMaxCandidates)
    throw std::invalid_argument("DuetEngine::set_solo_ranking: candidates = " + std::to_string(ranking.candidates) +
                                " is not within 1.." + std::to_string(kMaxCandidates));
  if (ranking.window == 0) throw std::invalid_argument("DuetEngine::set_solo_ranking: the window is empty");
  m.rollback();
  m.ranking = std::move(ranking);
  m.step_ns_est = m.ranking.step_ns;
  m.score_ns_est = m.ranking.score_ns;
  m.score_ns_max = 2 * m.ranking.score_ns;  // the first calls on a fresh thread run slower
  m.phrase_tokens_est = 0;
}

void DuetEngine::choose_phrase(std::int64_t start, std::int64_t end, int candidate, double human_p) {
  Impl& m = *impl_;
  m.require_started("choose_phrase");
  if (start < m.frontier || end <= start || candidate < 0 || candidate >= kMaxCandidates)
    throw std::invalid_argument("DuetEngine::choose_phrase: phrase " + std::to_string(start) + ".." +
                                std::to_string(end) + " candidate " + std::to_string(candidate) +
                                " at frontier " + std::to_string(m.frontier));
  if (m.stopped) return;
  if (m.job || m.stream.head().step > start) m.rollback();
  m.stream.choose_phrase(PhraseSeed{start, end, candidate});
  DuetInput in = m.input(DuetInput::Kind::choice);
  in.phrase_start = start;
  in.phrase_end = end;
  in.candidate = candidate;
  in.human_p = human_p;
  m.log.push_back(in);
}

std::size_t DuetEngine::context_begin() const { return impl_->stream.context_begin(); }

void DuetEngine::stop(std::vector<TimedMessage>& out) {
  Impl& m = *impl_;
  m.require_started("stop");
  if (m.stopped) return;
  m.rollback();
  m.log.push_back(m.input(DuetInput::Kind::stop));
  if (m.stream.head().clara_sounding > 0) {
    m.stream.ensure_writable(true);
    m.stream.end_clara_notes(&out);
  }
  // The open tokens of the frontier step are final: nothing follows them.
  m.stats.tokens_committed += m.stream.commit_open_tokens();
  // Note-offs already due at the frontier (a human note-on that interrupted an answer).
  StreamHead& h = m.stream.head();
  const std::uint8_t port = m.stream.config().clara_port;
  for (const auto& p : h.open_msgs) out.push_back(TimedMessage{m.tempo.time_of(p.due_step), p.msg, port});
  h.open_msgs.clear();
  h.answering = false;
  m.stopped = true;
}

std::int64_t DuetEngine::frontier() const { return impl_->frontier; }
std::int64_t DuetEngine::time_of_step(std::int64_t step) const { return impl_->tempo.time_of(step); }
double DuetEngine::step_at(std::int64_t time_ns) const { return impl_->tempo.step_at(time_ns); }
DuetMode DuetEngine::mode() const { return impl_->stream.mode(); }
const DuetConfig& DuetEngine::config() const { return impl_->stream.config(); }
const EncodingSpec& DuetEngine::spec() const { return impl_->spec; }
const std::vector<int>& DuetEngine::committed_tokens() const { return impl_->stream.committed(); }
const HumanKey& DuetEngine::human_key() const { return impl_->stream.head().human_key; }
const std::vector<DuetInput>& DuetEngine::log() const { return impl_->log; }
void DuetEngine::seal_log(std::size_t count) {
  impl_->sealed = std::max(impl_->sealed, std::min(count, impl_->log.size()));
}
const DuetStats& DuetEngine::stats() const { return impl_->stats; }

}  // namespace clara
