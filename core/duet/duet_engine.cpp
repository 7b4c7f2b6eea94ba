#include "core/duet/duet_engine.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "core/duet/tempo_map.hpp"
#include "core/encoding/token_table.hpp"

namespace clara {

std::string_view to_string(DuetMode mode) {
  switch (mode) {
    case DuetMode::answer: return "answer";
    case DuetMode::accompany: return "accompany";
    case DuetMode::solo: return "solo";
    case DuetMode::listen: return "listen";
  }
  return "answer";
}

DuetMode parse_duet_mode(std::string_view name) {
  for (DuetMode m : {DuetMode::answer, DuetMode::accompany, DuetMode::solo, DuetMode::listen})
    if (to_string(m) == name) return m;
  throw std::invalid_argument("unknown duet mode '" + std::string(name) +
                              "' (expected answer, accompany, solo or listen)");
}

namespace {

template <typename T>
[[noreturn]] void bad_field(const char* name, const T& value, const char* rule) {
  std::ostringstream msg;
  msg << "duet config: " << name << " = " << value << " is invalid: " << rule;
  throw std::invalid_argument(msg.str());
}

// Per-token seed: a token's draw depends only on the configured seed and its place in the
// stream, not on how many tokens were drawn (and thrown away) before it.
std::uint64_t token_seed(std::uint64_t seed, std::uint64_t index) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (index + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

constexpr std::int64_t kNever = INT64_MIN / 4;

}  // namespace

void DuetConfig::validate(const EncodingSpec& spec) const {
  if (spec.encoding == Encoding::chordwise)
    throw std::invalid_argument("duet config: the duet engine needs a notewise or chamber encoding, not chordwise");
  if (!std::isfinite(bpm) || bpm < 20.0 || bpm > 400.0) bad_field("bpm", bpm, "must be within [20, 400]");
  if (lookahead_steps < 0) bad_field("lookahead_steps", lookahead_steps, "must be >= 0 (0 = two beats)");
  if (commit_steps < 0) bad_field("commit_steps", commit_steps, "must be >= 0");
  if (!std::isfinite(answer_silence_beats) || answer_silence_beats <= 0.0)
    bad_field("answer_silence_beats", answer_silence_beats, "must be > 0");
  if (answer_bars < 1) bad_field("answer_bars", answer_bars, "must be >= 1");
  if (beats_per_bar < 1) bad_field("beats_per_bar", beats_per_bar, "must be >= 1");
  if (spec.parts.find_prefix(human_prefix) < 0)
    bad_field("human_prefix", human_prefix, "is not a part of the encoding's part table");
  if (spec.parts.find_prefix(clara_prefix) < 0)
    bad_field("clara_prefix", clara_prefix, "is not a part of the encoding's part table");
  if (fixed_velocity < 0 || fixed_velocity > 127)
    bad_field("fixed_velocity", fixed_velocity, "must be within 1..127, or 0 to follow the human");
  if (clara_channel < 0 || clara_channel > 15) bad_field("clara_channel", clara_channel, "must be within 0..15");
  if (grammar.max_note_steps < 0) bad_field("grammar.max_note_steps", grammar.max_note_steps, "must be >= 0");
  if (grammar.max_polyphony < 0) bad_field("grammar.max_polyphony", grammar.max_polyphony, "must be >= 0");
  sampler.validate();
}

struct DuetEngine::Impl {
  // A Clara message waiting for its step to be committed; the due time is computed then,
  // so a tempo change never leaves stale times in the speculative tail.
  struct Pending {
    std::int64_t due_step;
    ShortMessage msg;
  };

  // Everything generation reads and writes except the model and grammar; copyable so a
  // step's starting point can be kept for rollback.
  struct Head {
    std::int64_t step = 0;        // the step being produced
    std::int64_t cursor = 0;      // steps covered by the waits written so far
    std::uint64_t ntokens = 0;    // tokens in the stream (committed + tail + open)
    std::vector<float> logits;    // the model's output after the last fed token
    std::vector<int> open_tokens; // tokens of `step` written so far
    std::vector<Pending> open_msgs;
    std::vector<int> ended_cells; // cells Clara ended in `step` (no re-onset within the step)
    std::vector<std::int16_t> clara_key;  // per cell: MIDI key Clara sounds there, or -1
    int clara_sounding = 0;
    std::array<std::uint16_t, 128> key_down{};
    int keys_down = 0;
    std::vector<int> human_cell_down;  // per pitch index of the human part
    bool pedal = false;
    bool had_phrase = false;           // the human played since the last answer started
    std::int64_t last_off = kNever;    // grid step the human's last note-off was played in
    std::int64_t last_off_ns = 0;      // and when
    bool answering = false;
    std::int64_t answer_start = 0, answer_end = 0;
    std::int64_t phrase_end_ns = 0;    // when the phrase-end condition held
    bool need_first_onset = false;
    double velocity = 80.0;
  };

  struct Snapshot {
    Head head;
    NoteGrammar grammar;
    std::unique_ptr<TokenModel::State> model;
  };

  // Kept before feeding a sampled wait of several steps, so a human who plays inside it
  // can cut it short.
  struct WaitCut {
    std::int64_t step;            // where the wait was sampled
    std::size_t token_index;      // its place in the stream
    NoteGrammar grammar;
    std::unique_ptr<TokenModel::State> model;
  };

  struct StepRecord {
    std::int64_t step = 0;
    std::optional<Snapshot> start;  // speculative steps only
    std::vector<int> tokens;
    std::vector<Pending> msgs;
    std::optional<WaitCut> wait;
    bool answer_onset = false;       // holds the first note-on of an answer
    std::int64_t phrase_end_ns = 0;
  };

  Impl(TokenModel& m, const Vocabulary& v, const EncodingSpec& s, DuetConfig c)
      : model(m), vocab(v), spec(s), config(std::move(c)), table(v), grammar(v, config.grammar),
        sampler(v.size(), config.sampler) {}

  TokenModel& model;
  const Vocabulary& vocab;
  EncodingSpec spec;
  DuetConfig config;
  TokenTable table;
  NoteGrammar grammar;
  Sampler sampler;
  TokenMask base_mask, answer_mask, onset_mask, work_mask;
  std::vector<int> wait_id;  // [n] -> id of wait<n>
  int human_prefix = -1, clara_prefix = -1, human_floor = 0, clara_floor = 0;
  int max_wait = 0, lookahead = 0, silence_steps = 0, answer_steps = 0;
  std::size_t step_token_cap = 0;

  DuetMode mode = DuetMode::answer;
  std::int64_t heard_ns = -1;  // set by human(msg, heard_ns) for the duration of the call
  bool started = false, stopped = false;
  std::int64_t frontier = 0;
  Head head;
  std::deque<StepRecord> tail;
  std::optional<WaitCut> committed_wait;
  std::vector<int> committed;
  std::vector<DuetInput> log;
  DuetStats stats;

  // --- grid --------------------------------------------------------------
  TempoMap tempo{spec.sample_freq, config.bpm};

  // --- stream ------------------------------------------------------------
  int cell(int prefix, int pitch) const { return prefix * table.pitch_count() + pitch; }

  void feed(int id) {
    auto logits = model.feed(id);
    head.logits.assign(logits.begin(), logits.end());
    grammar.observe(id);
    ++head.ntokens;
  }
  void emit(int id) {
    feed(id);
    head.open_tokens.push_back(id);
  }
  // Silence up to the current step, as waits each as long as possible.
  void sync() {
    while (head.cursor < head.step) {
      const int n = static_cast<int>(std::min<std::int64_t>(head.step - head.cursor, max_wait));
      emit(wait_id[static_cast<std::size_t>(n)]);
      head.cursor += n;
    }
  }

  Snapshot snapshot() const { return Snapshot{head, grammar, model.save()}; }
  void restore(const Snapshot& s) {
    model.restore(*s.model);
    grammar = s.grammar;
    head = s.head;
  }

  // Back to the commit point: the speculative tail is thrown away.
  void rollback() {
    if (tail.empty()) return;
    restore(*tail.front().start);
    tail.clear();
    ++stats.rollbacks;
  }

  // Makes the frontier writable: a committed sampled wait that spans it is cut there.
  void ensure_writable() {
    if (head.cursor <= head.step) return;
    if (!committed_wait || committed.size() != committed_wait->token_index + 1)
      throw std::logic_error("DuetEngine: a wait spans the frontier but its cut point was not kept");
    WaitCut& w = *committed_wait;
    model.restore(*w.model);
    grammar = w.grammar;
    committed.pop_back();
    const int n = static_cast<int>(head.step - w.step);
    const int id = wait_id[static_cast<std::size_t>(n)];
    auto logits = model.feed(id);
    head.logits.assign(logits.begin(), logits.end());
    grammar.observe(id);
    committed.push_back(id);
    head.cursor = head.step;
    committed_wait.reset();
  }

  std::uint8_t velocity() const {
    if (config.fixed_velocity > 0) return static_cast<std::uint8_t>(config.fixed_velocity);
    return static_cast<std::uint8_t>(std::clamp<long>(std::lround(head.velocity), 1, 127));
  }
  ShortMessage note_on(int key) const {
    return {static_cast<std::uint8_t>(0x90 | config.clara_channel), static_cast<std::uint8_t>(key), velocity()};
  }
  ShortMessage note_off(int key) const {
    return {static_cast<std::uint8_t>(0x80 | config.clara_channel), static_cast<std::uint8_t>(key), 0};
  }

  // Ends every note Clara sounds with end tokens in the current step; their note-offs are due
  // at `due_step`, and go to `direct` (at once) when given, else with the step.
  void end_clara_notes(std::int64_t due_step, std::vector<TimedMessage>* direct) {
    if (head.clara_sounding == 0) return;
    sync();
    for (std::size_t c = 0; c < head.clara_key.size(); ++c) {
      const int key = head.clara_key[c];
      if (key < 0) continue;
      const int prefix = static_cast<int>(c) / table.pitch_count();
      const int pitch = static_cast<int>(c) % table.pitch_count();
      const int id = table.end_id(prefix, pitch);
      if (id >= 0 && grammar.sounding(prefix, pitch)) emit(id);
      const ShortMessage off = note_off(key);
      if (direct)
        direct->push_back(TimedMessage{tempo.time_of(due_step), off, config.clara_port});
      else
        head.open_msgs.push_back({due_step, off});
      head.clara_key[c] = -1;
      head.ended_cells.push_back(static_cast<int>(c));
    }
    head.clara_sounding = 0;
  }

  bool clara_plays(std::int64_t s) const {
    switch (mode) {
      case DuetMode::accompany:
      case DuetMode::solo: return true;
      case DuetMode::listen: return false;
      case DuetMode::answer: return head.answering && s >= head.answer_start && s < head.answer_end;
    }
    return false;
  }

  // Samples Clara's tokens for the current step until a wait (or <eos> in answer mode).
  void sample_step(StepRecord& rec) {
    const std::int64_t s = head.step;
    sync();
    for (std::size_t count = 0;; ++count) {
      if (count >= step_token_cap) {  // a model that never waits still moves the clock
        emit(wait_id[1]);
        head.cursor = s + 1;
        return;
      }
      work_mask = head.need_first_onset ? onset_mask : (mode == DuetMode::answer ? answer_mask : base_mask);
      for (int c : head.ended_cells) {
        const int id = table.onset_id(c / table.pitch_count(), c % table.pitch_count());
        if (id >= 0) work_mask[static_cast<std::size_t>(id)] = 0;
      }
      sampler.set_mask(work_mask);
      sampler.reseed(token_seed(config.sampler.seed, head.ntokens));
      int id;
      try {
        id = sampler.sample(head.logits, &grammar);
        ++stats.tokens_generated;
      } catch (const NoAdmissibleToken&) {
        emit(wait_id[1]);
        head.cursor = s + 1;
        return;
      }
      const TokenInfo& t = table.info(id);
      if (id == Vocabulary::kEos) {
        // The answer is over: <eos> stays out of the stream (it would reset the context).
        end_clara_notes(s + 1, nullptr);
        head.answering = false;
        return;
      }
      if (t.kind == TokenKind::kWait) {
        int n = t.wait;
        if (mode == DuetMode::answer) n = static_cast<int>(std::min<std::int64_t>(n, head.answer_end - s));
        const int wid = wait_id[static_cast<std::size_t>(n)];
        if (n > 1) {
          rec.wait.emplace(WaitCut{s, static_cast<std::size_t>(head.ntokens), grammar, model.save()});
        }
        emit(wid);
        head.cursor = s + n;
        return;
      }
      if (t.kind == TokenKind::kOnset) {
        emit(id);
        const int c = cell(t.prefix, t.pitch);
        const int key = spec.range.pitch_of(t.pitch);
        if (head.clara_key[static_cast<std::size_t>(c)] >= 0) {
          head.open_msgs.push_back({s, note_off(head.clara_key[static_cast<std::size_t>(c)])});
          --head.clara_sounding;
        }
        head.clara_key[static_cast<std::size_t>(c)] = static_cast<std::int16_t>(key);
        ++head.clara_sounding;
        head.open_msgs.push_back({s, note_on(key)});
        if (head.need_first_onset) {
          head.need_first_onset = false;
          rec.answer_onset = true;
          rec.phrase_end_ns = head.phrase_end_ns;
        }
      } else if (t.kind == TokenKind::kEnd) {
        emit(id);
        const auto c = static_cast<std::size_t>(cell(t.prefix, t.pitch));
        if (head.clara_key[c] >= 0) {
          head.open_msgs.push_back({s + 1, note_off(head.clara_key[c])});
          head.clara_key[c] = -1;
          --head.clara_sounding;
          head.ended_cells.push_back(static_cast<int>(c));
        }
      } else {
        emit(id);  // the mask admits nothing else; kept for a vocabulary with extra tokens
      }
    }
  }

  // Produces the current head step: Clara's tokens, the phrase-end check, the silence.
  StepRecord produce(bool speculative) {
    StepRecord rec;
    rec.step = head.step;
    if (speculative) rec.start.emplace(snapshot());
    const std::int64_t s = head.step;
    if (head.cursor <= s) {
      if (mode == DuetMode::answer && head.answering && s >= head.answer_end) {
        end_clara_notes(s, nullptr);
        head.answering = false;
      }
      if (clara_plays(s)) sample_step(rec);
      if (head.cursor <= s) {
        if (mode == DuetMode::answer && !head.answering && head.had_phrase && head.keys_down == 0 &&
            !head.pedal && head.last_off != kNever && s >= head.last_off + silence_steps)
          begin_answer(s, head.last_off_ns + silence_ns());
        if (s + 1 - head.cursor >= max_wait) {
          emit(wait_id[static_cast<std::size_t>(max_wait)]);
          head.cursor += max_wait;
        }
      }
    }
    rec.tokens = std::move(head.open_tokens);
    rec.msgs = std::move(head.open_msgs);
    head.open_tokens.clear();
    head.open_msgs.clear();
    head.ended_cells.clear();
    ++head.step;
    return rec;
  }

  std::int64_t silence_ns() const {
    return static_cast<std::int64_t>(std::llround(config.answer_silence_beats * 60e9 / tempo.bpm()));
  }

  void begin_answer(std::int64_t phrase_end_step, std::int64_t phrase_end_ns) {
    head.answering = true;
    head.had_phrase = false;
    head.phrase_end_ns = std::min(phrase_end_ns, tempo.time_of(phrase_end_step + 1));
    head.answer_start = phrase_end_step + 1;
    head.answer_end = head.answer_start + answer_steps;
    head.need_first_onset = true;
  }

  void commit(StepRecord& rec, std::vector<TimedMessage>& out) {
    committed.insert(committed.end(), rec.tokens.begin(), rec.tokens.end());
    stats.tokens_committed += rec.tokens.size();
    std::stable_sort(rec.msgs.begin(), rec.msgs.end(),
                     [](const Pending& a, const Pending& b) { return a.due_step < b.due_step; });
    for (const Pending& p : rec.msgs) out.push_back(TimedMessage{tempo.time_of(p.due_step), p.msg, config.clara_port});
    if (rec.wait) committed_wait = std::move(rec.wait);
    if (rec.answer_onset) {
      ++stats.answers;
      stats.last_reaction_ns = tempo.time_of(rec.step) - rec.phrase_end_ns;
    }
    frontier = rec.step + 1;
  }

  void commit_until(std::int64_t step, std::vector<TimedMessage>& out) {
    while (frontier < step) {
      if (!tail.empty()) {
        StepRecord rec = std::move(tail.front());
        tail.pop_front();
        commit(rec, out);
      } else {
        StepRecord rec = produce(false);
        commit(rec, out);
      }
    }
  }

  void speculate() {
    while (head.step < frontier + lookahead) tail.push_back(produce(true));
  }

  void require_started(const char* what) const {
    if (!started) throw std::logic_error(std::string("DuetEngine::") + what + " before start()");
  }
};

DuetEngine::DuetEngine(TokenModel& model, const Vocabulary& vocab, const EncodingSpec& spec, DuetConfig config) {
  config.validate(spec);
  if (model.vocab_size() != vocab.size())
    throw std::invalid_argument("DuetEngine: the model has " + std::to_string(model.vocab_size()) +
                                " outputs, the vocabulary " + std::to_string(vocab.size()) + " tokens");
  impl_ = std::make_unique<Impl>(model, vocab, spec, std::move(config));
  Impl& m = *impl_;
  m.mode = m.config.mode;
  m.max_wait = spec.max_wait();
  m.wait_id.assign(static_cast<std::size_t>(m.max_wait) + 1, -1);
  for (int n = 1; n <= m.max_wait; ++n) {
    const std::string name = "wait" + std::to_string(n);
    if (!vocab.contains(name)) throw std::invalid_argument("DuetEngine: the vocabulary lacks " + name);
    m.wait_id[static_cast<std::size_t>(n)] = vocab.id(name);
  }
  m.human_prefix = m.table.prefix_id(m.config.human_prefix);
  m.clara_prefix = m.table.prefix_id(m.config.clara_prefix);
  if (m.human_prefix < 0 || m.clara_prefix < 0)
    throw std::invalid_argument("DuetEngine: the vocabulary has no tokens for prefix '" +
                                (m.human_prefix < 0 ? m.config.human_prefix : m.config.clara_prefix) + "'");
  m.human_floor = spec.parts.entries[static_cast<std::size_t>(spec.parts.find_prefix(m.config.human_prefix))].index_floor;
  m.base_mask = mask_for_prefixes(m.table, std::span<const std::string>(&m.config.clara_prefix, 1));
  m.answer_mask = m.base_mask;
  m.answer_mask[Vocabulary::kEos] = 1;
  m.onset_mask.assign(m.base_mask.size(), 0);
  for (std::size_t id = 0; id < m.base_mask.size(); ++id)
    if (m.base_mask[id] && m.table.infos()[id].kind == TokenKind::kOnset) m.onset_mask[id] = 1;
  const int sf = spec.sample_freq;
  m.lookahead = m.config.lookahead_steps > 0 ? m.config.lookahead_steps : 2 * sf;
  m.silence_steps = std::max(1, static_cast<int>(std::ceil(m.config.answer_silence_beats * sf - 1e-9)));
  m.answer_steps = m.config.answer_bars * m.config.beats_per_bar * sf;
  m.step_token_cap = 2 * m.table.size() + 4;
}

DuetEngine::~DuetEngine() = default;

void DuetEngine::start(std::int64_t origin_ns) {
  Impl& m = *impl_;
  m.started = true;
  m.stopped = false;
  m.mode = m.config.mode;
  m.tempo = TempoMap(m.spec.sample_freq, m.config.bpm, origin_ns);
  m.frontier = 0;
  m.tail.clear();
  m.committed_wait.reset();
  m.committed.clear();
  m.log.clear();
  m.stats = DuetStats{};
  m.head = Impl::Head{};
  m.head.clara_key.assign(m.table.prefixes().size() * static_cast<std::size_t>(m.table.pitch_count()), -1);
  m.head.human_cell_down.assign(static_cast<std::size_t>(m.table.pitch_count()), 0);
  m.model.reset();
  m.grammar.reset();
  m.feed(Vocabulary::kEos);
  m.committed.push_back(Vocabulary::kEos);
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
  m.heard_ns = heard_ns;
  const std::int64_t step = human_at_step(msg, static_cast<std::int64_t>(std::floor(m.tempo.step_at(heard_ns))));
  m.heard_ns = -1;
  return step;
}

std::int64_t DuetEngine::human_at_step(const ShortMessage& msg, std::int64_t heard_step) {
  Impl& m = *impl_;
  m.require_started("human");
  const bool on = msg.is_note_on(), off = msg.is_note_off(), pedal = msg.is_control(64);
  if (m.stopped || !(on || off || pedal)) return m.frontier;
  m.rollback();
  Impl::Head& h = m.head;
  const std::int64_t f = m.frontier;
  const std::int64_t heard = std::clamp<std::int64_t>(heard_step, 0, f);
  m.log.push_back(DuetInput{DuetInput::Kind::human, f, msg, heard, DuetMode::answer, 0});
  ++m.stats.human_messages;
  const bool in_stream = m.mode != DuetMode::solo;
  const int key = msg.data1 & 0x7F;
  int index = m.spec.range.fold(key);
  if (index < m.human_floor) index += 12 * ((m.human_floor - index + 11) / 12);

  if (on) {
    h.velocity = std::clamp(0.7 * h.velocity + 0.3 * msg.data2, 1.0, 127.0);
    ++h.key_down[static_cast<std::size_t>(key)];
    ++h.keys_down;
    h.had_phrase = true;
    if (in_stream) {
      m.ensure_writable();
      if (m.mode == DuetMode::answer && h.answering) {
        m.end_clara_notes(f, nullptr);
        h.answering = false;
        h.need_first_onset = false;
      }
      m.sync();
      const int id = m.table.onset_id(m.human_prefix, index);
      if (id >= 0) {
        // The human re-strikes a cell Clara holds: her note stops where his starts.
        const auto c = static_cast<std::size_t>(m.cell(m.human_prefix, index));
        if (h.clara_key[c] >= 0) {
          h.open_msgs.push_back({f, m.note_off(h.clara_key[c])});
          h.clara_key[c] = -1;
          --h.clara_sounding;
        }
        m.emit(id);
        ++h.human_cell_down[static_cast<std::size_t>(index)];
      }
    }
  } else if (off) {
    if (h.key_down[static_cast<std::size_t>(key)] > 0) {
      --h.key_down[static_cast<std::size_t>(key)];
      --h.keys_down;
      h.last_off = heard;
      h.last_off_ns = m.heard_ns >= 0 ? m.heard_ns : m.tempo.time_of(heard);
      auto& down = h.human_cell_down[static_cast<std::size_t>(index)];
      if (down > 0 && --down == 0 && in_stream) {
        const int id = m.table.end_id(m.human_prefix, index);
        if (id >= 0 && m.grammar.sounding(m.human_prefix, index)) {
          m.ensure_writable();
          m.sync();
          m.emit(id);
        }
      }
    }
  } else {
    const bool down = msg.data2 >= 64;
    const bool released = h.pedal && !down;
    h.pedal = down;
    if (released && m.mode == DuetMode::answer && !h.answering && h.had_phrase && h.keys_down == 0)
      m.begin_answer(std::max(heard, f - 1), m.heard_ns >= 0 ? m.heard_ns : m.tempo.time_of(heard));
  }
  return f;
}

void DuetEngine::advance(std::int64_t now_ns, std::vector<TimedMessage>& out) {
  Impl& m = *impl_;
  m.require_started("advance");
  if (m.stopped) return;
  const auto target = static_cast<std::int64_t>(std::floor(m.tempo.step_at(now_ns))) + 1 + m.config.commit_steps;
  m.commit_until(target, out);
  m.speculate();
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
  m.log.push_back(DuetInput{DuetInput::Kind::mode, m.frontier, {}, 0, mode, 0});
  if (m.head.clara_sounding > 0) {
    m.ensure_writable();
    m.end_clara_notes(m.frontier, &out);
  }
  m.head.answering = false;
  m.head.need_first_onset = false;
  m.mode = mode;
}

void DuetEngine::set_tempo(double bpm) {
  Impl& m = *impl_;
  if (!std::isfinite(bpm) || bpm < 20.0 || bpm > 400.0)
    throw std::invalid_argument("DuetEngine::set_tempo: bpm = " + std::to_string(bpm) + " is not within [20, 400]");
  m.tempo.set_tempo(m.frontier, bpm);
  if (m.started) m.log.push_back(DuetInput{DuetInput::Kind::tempo, m.frontier, {}, 0, DuetMode::answer, bpm});
}

void DuetEngine::stop(std::vector<TimedMessage>& out) {
  Impl& m = *impl_;
  m.require_started("stop");
  if (m.stopped) return;
  m.rollback();
  m.log.push_back(DuetInput{DuetInput::Kind::stop, m.frontier, {}, 0, DuetMode::answer, 0});
  if (m.head.clara_sounding > 0) {
    m.ensure_writable();
    m.end_clara_notes(m.frontier, &out);
  }
  // The open tokens of the frontier step are final: nothing follows them.
  m.committed.insert(m.committed.end(), m.head.open_tokens.begin(), m.head.open_tokens.end());
  m.stats.tokens_committed += m.head.open_tokens.size();
  m.head.open_tokens.clear();
  // Note-offs already due at the frontier (a human note-on that interrupted an answer).
  for (const auto& p : m.head.open_msgs)
    out.push_back(TimedMessage{m.tempo.time_of(p.due_step), p.msg, m.config.clara_port});
  m.head.open_msgs.clear();
  m.head.answering = false;
  m.stopped = true;
}

std::int64_t DuetEngine::frontier() const { return impl_->frontier; }
std::int64_t DuetEngine::time_of_step(std::int64_t step) const { return impl_->tempo.time_of(step); }
double DuetEngine::step_at(std::int64_t time_ns) const { return impl_->tempo.step_at(time_ns); }
DuetMode DuetEngine::mode() const { return impl_->mode; }
const DuetConfig& DuetEngine::config() const { return impl_->config; }
const std::vector<int>& DuetEngine::committed_tokens() const { return impl_->committed; }
const std::vector<DuetInput>& DuetEngine::log() const { return impl_->log; }
const DuetStats& DuetEngine::stats() const { return impl_->stats; }

}  // namespace clara
