#include "core/duet/duet_stream.hpp"

#include <algorithm>
#include <cmath>
#include <span>
#include <stdexcept>
#include <string>

#include "core/duet/duet_engine.hpp"

namespace clara {

namespace {

// Per-token seed: a token's draw depends only on the configured seed and its place in the
// stream, not on how many tokens were drawn (and thrown away) before it.
std::uint64_t token_seed(std::uint64_t seed, std::uint64_t index) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (index + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

std::uint64_t candidate_seed(std::uint64_t seed, int candidate) {
  if (candidate == 0) return seed;
  return token_seed(seed ^ 0x5EEDC0DEC1A7A001ull, static_cast<std::uint64_t>(candidate));
}

void DuetStream::choose_phrase(const PhraseSeed& choice) {
  for (PhraseSeed& p : phrase_seeds_)
    if (p.start == choice.start) {
      p = choice;
      return;
    }
  phrase_seeds_.push_back(choice);
}

bool DuetStream::phrase_chosen(std::int64_t start) const {
  for (auto it = phrase_seeds_.rbegin(); it != phrase_seeds_.rend(); ++it)
    if (it->start == start) return true;
  return false;
}

std::uint64_t DuetStream::seed_at(std::int64_t step) const {
  const std::uint64_t seed = config_.sampler.seed;
  if (trial_seed_ && step >= trial_seed_->start && step < trial_seed_->end)
    return candidate_seed(seed, trial_seed_->candidate);
  for (auto it = phrase_seeds_.rbegin(); it != phrase_seeds_.rend(); ++it)
    if (step >= it->start && step < it->end) return candidate_seed(seed, it->candidate);
  return seed;
}

DuetStream::DuetStream(TokenModel& model, const Vocabulary& vocab, const EncodingSpec& spec, DuetConfig config,
                       const TempoMap& tempo, DuetStats& stats, EndPlacement placement)
    : model_(&model), vocab_(vocab), spec_(spec), config_(std::move(config)), tempo_(tempo), stats_(stats),
      table_(vocab), grammar_(vocab, config_.grammar), sampler_(vocab.size(), config_.sampler),
      placement_(placement) {
  mode_ = config_.mode;
  max_wait_ = spec_.max_wait();
  wait_id_.assign(static_cast<std::size_t>(max_wait_) + 1, -1);
  for (int n = 1; n <= max_wait_; ++n) {
    const std::string name = "wait" + std::to_string(n);
    if (!vocab.contains(name)) throw std::invalid_argument("DuetEngine: the vocabulary lacks " + name);
    wait_id_[static_cast<std::size_t>(n)] = vocab.id(name);
  }
  build_masks();
  set_phrasing(config_.phrasing());
  step_token_cap_ = 2 * table_.size() + 4;
  // The key-keeping bias applies to onsets, by the pitch class they sound.
  std::vector<std::int8_t> pitch_class(vocab.size(), -1);
  for (std::size_t id = 0; id < pitch_class.size(); ++id)
    if (table_.infos()[id].kind == TokenKind::kOnset)
      pitch_class[id] = static_cast<std::int8_t>(spec_.range.pitch_of(table_.infos()[id].pitch) % 12);
  sampler_.set_pitch_classes(pitch_class);
}

void DuetStream::build_masks() {
  const int human = table_.prefix_id(config_.human_prefix);
  const int clara = table_.prefix_id(config_.clara_prefix);
  if (human < 0 || clara < 0)
    throw std::invalid_argument("DuetEngine: the vocabulary has no tokens for prefix '" +
                                (human < 0 ? config_.human_prefix : config_.clara_prefix) + "'");
  human_prefix_ = human;
  clara_prefix_ = clara;
  human_floor_ = spec_.parts.entries[static_cast<std::size_t>(spec_.parts.find_prefix(config_.human_prefix))].index_floor;
  base_mask_ = mask_for_prefixes(table_, std::span<const std::string>(&config_.clara_prefix, 1));
  answer_mask_ = base_mask_;
  answer_mask_[Vocabulary::kEos] = 1;
  onset_mask_.assign(base_mask_.size(), 0);
  for (std::size_t id = 0; id < base_mask_.size(); ++id)
    if (base_mask_[id] && table_.infos()[id].kind == TokenKind::kOnset) onset_mask_[id] = 1;
}

void DuetStream::reset() {
  mode_ = config_.mode;
  committed_wait_.reset();
  committed_.clear();
  context_begin_ = 0;
  trial_seed_.reset();
  phrase_seeds_.clear();
  head_ = StreamHead{};
  head_.human_key = HumanKey(spec_.sample_freq);
  head_.clara_key.assign(table_.prefixes().size() * static_cast<std::size_t>(table_.pitch_count()), -1);
  head_.human_cell_down.assign(static_cast<std::size_t>(table_.pitch_count()), 0);
  model_->reset();
  grammar_.reset();
  feed(Vocabulary::kEos);
  committed_.push_back(Vocabulary::kEos);
}

void DuetStream::clear_context() {
  if (head_.clara_sounding > 0) throw std::logic_error("DuetStream::clear_context with Clara's notes sounding");
  // The silence so far stays in the old piece; the new one starts at an <eos> in this step.
  sync();
  committed_wait_.reset();
  model_->reset();
  grammar_.reset();
  context_begin_ = committed_.size() + head_.open_tokens.size();
  emit(Vocabulary::kEos);
  // The keys held now began in the old context: their ends must not enter the new one.
  std::fill(head_.human_cell_down.begin(), head_.human_cell_down.end(), 0);
  head_.human_key.clear();  // a new piece: the old one's key goes too
}

void DuetStream::feed(int id) {
  auto logits = model_->feed(id);
  head_.logits.assign(logits.begin(), logits.end());
  grammar_.observe(id);
  ++head_.ntokens;
}

void DuetStream::emit(int id) {
  feed(id);
  head_.open_tokens.push_back(id);
}

// Silence up to the current step, as waits each as long as possible.
void DuetStream::sync() { sync_to(head_.step); }

void DuetStream::sync_to(std::int64_t step) {
  while (head_.cursor < step) {
    const int n = static_cast<int>(std::min<std::int64_t>(step - head_.cursor, max_wait_));
    emit(wait_id_[static_cast<std::size_t>(n)]);
    head_.cursor += n;
  }
}

// The encoder writes an end in the last step a note sounds, and its note-off falls on the
// next. A note that stops at the frontier sounded last in the step before it: its end goes
// there when the silence since is not written yet (waits are written lazily), else in the
// frontier step, and the note-off follows the end's step either way.
// EndPlacement::frontier (format-1 logs): always the frontier step.
std::int64_t DuetStream::end_step() const {
  if (placement_ == EndPlacement::frontier) return head_.step;
  return head_.cursor <= head_.step - 1 ? head_.step - 1 : head_.step;
}

StreamSnapshot DuetStream::snapshot() const { return StreamSnapshot{head_, grammar_, model_->save()}; }

void DuetStream::restore(const StreamSnapshot& s) {
  model_->restore(*s.model);
  grammar_ = s.grammar;
  head_ = s.head;
}

void DuetStream::ensure_writable(bool for_ends) {
  if (placement_ == EndPlacement::frontier) for_ends = false;  // a wait is only ever cut at the frontier
  const bool cuttable = committed_wait_ && committed_.size() == committed_wait_->token_index + 1;
  if (head_.cursor < head_.step) return;
  // A wait that ends exactly at the frontier is cut only to put ends before it.
  if (head_.cursor == head_.step && !(for_ends && cuttable && committed_wait_->step <= head_.step - 1)) return;
  if (!cuttable) throw std::logic_error("DuetEngine: a wait spans the frontier but its cut point was not kept");
  WaitCut& w = *committed_wait_;
  // Ends go in the step before the frontier where the wait allows (end_step()); anything
  // else at the frontier itself, so silence stays one wait as long as possible.
  // A wait sampled in the step before the frontier goes entirely: the ends come before it
  // (the next sync writes it again), and nothing reads the logits before that.
  const std::int64_t cut = for_ends ? std::max(w.step, head_.step - 1) : head_.step;
  model_->restore(*w.model);
  grammar_ = w.grammar;
  committed_.pop_back();
  const int n = static_cast<int>(cut - w.step);
  if (n > 0) {
    const int id = wait_id_[static_cast<std::size_t>(n)];
    auto logits = model_->feed(id);
    head_.logits.assign(logits.begin(), logits.end());
    grammar_.observe(id);
    committed_.push_back(id);
  } else {
    --head_.ntokens;  // the wait left the stream
  }
  head_.cursor = cut;
  committed_wait_.reset();
}

std::uint8_t DuetStream::velocity() const {
  if (config_.fixed_velocity > 0) return static_cast<std::uint8_t>(config_.fixed_velocity);
  return static_cast<std::uint8_t>(std::clamp<long>(std::lround(head_.velocity), 1, 127));
}
ShortMessage DuetStream::note_on(int key) const {
  return {static_cast<std::uint8_t>(0x90 | config_.clara_channel), static_cast<std::uint8_t>(key), velocity()};
}
ShortMessage DuetStream::note_off(int key) const {
  return {static_cast<std::uint8_t>(0x80 | config_.clara_channel), static_cast<std::uint8_t>(key), 0};
}

void DuetStream::end_clara_notes(std::vector<TimedMessage>* direct, bool after_eos) {
  if (head_.clara_sounding == 0) return;
  const std::int64_t at = end_step();
  // The note-offs: on the step after the ends; under EndPlacement::frontier at the frontier
  // itself, but after a sampled <eos> (the step's last token) on the step after it.
  const std::int64_t off_step = placement_ == EndPlacement::frontier && !after_eos ? at : at + 1;
  sync_to(at);
  for (std::size_t c = 0; c < head_.clara_key.size(); ++c) {
    const int key = head_.clara_key[c];
    if (key < 0) continue;
    const int prefix = static_cast<int>(c) / table_.pitch_count();
    const int pitch = static_cast<int>(c) % table_.pitch_count();
    const int id = table_.end_id(prefix, pitch);
    if (id >= 0 && grammar_.sounding(prefix, pitch)) emit(id);
    const ShortMessage off = note_off(key);
    // At once only when due by the frontier: a later one would precede, in `direct`, what
    // the frontier step commits; it goes out with that step instead.
    if (direct && off_step <= head_.step)
      direct->push_back(TimedMessage{tempo_.time_of(off_step), off, config_.clara_port});
    else
      head_.open_msgs.push_back({off_step, off});
    head_.clara_key[c] = -1;
    head_.ended_cells.push_back(static_cast<int>(c));
  }
  head_.clara_sounding = 0;
}

bool DuetStream::clara_plays(std::int64_t s) const {
  switch (mode_) {
    case DuetMode::accompany:
    case DuetMode::solo: return true;
    case DuetMode::listen: return false;
    case DuetMode::answer: return head_.answering && s >= head_.answer_start && s < head_.answer_end;
  }
  return false;
}

// Samples Clara's tokens for the current step until a wait (or <eos> in answer mode).
void DuetStream::sample_step(StepRecord& rec) {
  const std::int64_t s = head_.step;
  sync();
  if (placement_ == EndPlacement::encoder && mode_ == DuetMode::answer && s == head_.answer_end - 1 &&
      head_.clara_sounding > 0) {
    end_clara_notes(nullptr);  // the answer's last step: what she holds ends here
    emit(wait_id_[1]);
    head_.cursor = s + 1;
    return;
  }
  for (std::size_t count = 0;; ++count) {
    if (count >= step_token_cap_) {  // a model that never waits still moves the clock
      emit(wait_id_[1]);
      head_.cursor = s + 1;
      return;
    }
    work_mask_ = head_.need_first_onset ? onset_mask_ : (mode_ == DuetMode::answer ? answer_mask_ : base_mask_);
    for (int c : head_.ended_cells) {
      const int id = table_.onset_id(c / table_.pitch_count(), c % table_.pitch_count());
      if (id >= 0) work_mask_[static_cast<std::size_t>(id)] = 0;
    }
    sampler_.set_mask(work_mask_);
    if (head_.human_key.key())
      sampler_.set_key_bias(head_.human_key.bias());
    else
      sampler_.clear_key_bias();
    sampler_.reseed(token_seed(seed_at(s), head_.ntokens));
    int id;
    try {
      id = sampler_.sample(head_.logits, &grammar_);
      ++stats_.tokens_generated;
    } catch (const NoAdmissibleToken&) {
      emit(wait_id_[1]);
      head_.cursor = s + 1;
      return;
    }
    const TokenInfo& t = table_.info(id);
    if (id == Vocabulary::kEos) {
      // The answer is over: <eos> stays out of the stream (it would reset the context).
      end_clara_notes(nullptr, true);
      head_.answering = false;
      return;
    }
    if (t.kind == TokenKind::kWait) {
      int n = t.wait;
      if (mode_ == DuetMode::answer) {
        n = static_cast<int>(std::min<std::int64_t>(n, head_.answer_end - s));
        // Notes held to the answer's end end in its last step, as the encoder writes them.
        if (placement_ == EndPlacement::encoder && head_.clara_sounding > 0 && n > 1 && s + n == head_.answer_end)
          --n;
      }
      const int wid = wait_id_[static_cast<std::size_t>(n)];
      // Every sampled wait keeps its cut point: a longer one may be cut at the frontier, and
      // any one cut before it so that ends go where the encoder puts them. (Under
      // EndPlacement::frontier only a longer one is ever cut.)
      if (placement_ == EndPlacement::encoder || n > 1)
        rec.wait.emplace(WaitCut{s, static_cast<std::size_t>(head_.ntokens), grammar_, model_->save()});
      emit(wid);
      head_.cursor = s + n;
      return;
    }
    if (t.kind == TokenKind::kOnset) {
      emit(id);
      const int c = cell(t.prefix, t.pitch);
      const int key = spec_.range.pitch_of(t.pitch);
      if (head_.clara_key[static_cast<std::size_t>(c)] >= 0) {
        head_.open_msgs.push_back({s, note_off(head_.clara_key[static_cast<std::size_t>(c)])});
        --head_.clara_sounding;
      }
      head_.clara_key[static_cast<std::size_t>(c)] = static_cast<std::int16_t>(key);
      ++head_.clara_sounding;
      head_.open_msgs.push_back({s, note_on(key)});
      if (head_.need_first_onset) {
        head_.need_first_onset = false;
        rec.answer_onset = true;
        rec.phrase_end_ns = head_.phrase_end_ns;
      }
    } else if (t.kind == TokenKind::kEnd) {
      emit(id);
      const auto c = static_cast<std::size_t>(cell(t.prefix, t.pitch));
      if (head_.clara_key[c] >= 0) {
        head_.open_msgs.push_back({s + 1, note_off(head_.clara_key[c])});
        head_.clara_key[c] = -1;
        --head_.clara_sounding;
        head_.ended_cells.push_back(static_cast<int>(c));
      }
    } else {
      emit(id);  // the mask admits nothing else; kept for a vocabulary with extra tokens
    }
  }
}

StepRecord DuetStream::produce(bool speculative) {
  StepRecord rec;
  rec.step = head_.step;
  if (speculative) rec.start.emplace(snapshot());
  const std::int64_t s = head_.step;
  if (head_.cursor <= s) {
    if (mode_ == DuetMode::answer && head_.answering && s >= head_.answer_end) {
      end_clara_notes(nullptr);
      head_.answering = false;
    }
    if (clara_plays(s)) sample_step(rec);
    if (head_.cursor <= s) {
      if (mode_ == DuetMode::answer && !head_.answering && head_.had_phrase && head_.keys_down == 0 &&
          !head_.pedal && head_.last_off != kNeverStep && s >= head_.last_off + silence_steps_)
        begin_answer(s, head_.last_off_ns + silence_ns());
      if (s + 1 - head_.cursor >= max_wait_) {
        emit(wait_id_[static_cast<std::size_t>(max_wait_)]);
        head_.cursor += max_wait_;
      }
    }
  }
  rec.tokens = std::move(head_.open_tokens);
  rec.msgs = std::move(head_.open_msgs);
  head_.open_tokens.clear();
  head_.open_msgs.clear();
  head_.ended_cells.clear();
  ++head_.step;
  return rec;
}

void DuetStream::commit(StepRecord& rec) {
  committed_.insert(committed_.end(), rec.tokens.begin(), rec.tokens.end());
  if (rec.wait) committed_wait_ = std::move(rec.wait);
}

void DuetStream::swap_model(TokenModel& next, std::size_t fed_begin, std::size_t fed_until) {
  if (next.vocab_size() != vocab_.size())
    throw std::invalid_argument("duet: the new model has " + std::to_string(next.vocab_size()) +
                                " outputs, the vocabulary " + std::to_string(vocab_.size()) + " tokens");
  const std::size_t total = committed_.size() + head_.open_tokens.size();
  std::size_t from = fed_until;
  if (fed_begin != context_begin_ || fed_until <= fed_begin || fed_until >= committed_.size()) {
    next.reset();
    from = context_begin_;
  }
  // A committed wait's cut point holds the state before it: the new model's, from here on.
  if (committed_wait_ && committed_wait_->token_index < from) committed_wait_.reset();
  std::span<const float> logits;
  for (std::size_t i = from; i < total; ++i) {
    if (committed_wait_ && committed_wait_->token_index == i) committed_wait_->model = next.save();
    logits = next.feed(i < committed_.size() ? committed_[i] : head_.open_tokens[i - committed_.size()]);
  }
  head_.logits.assign(logits.begin(), logits.end());
  model_ = &next;
}

std::size_t DuetStream::commit_open_tokens() {
  const std::size_t n = head_.open_tokens.size();
  committed_.insert(committed_.end(), head_.open_tokens.begin(), head_.open_tokens.end());
  head_.open_tokens.clear();
  return n;
}

std::int64_t DuetStream::silence_ns() const {
  return static_cast<std::int64_t>(std::llround(config_.answer_silence_beats * 60e9 / tempo_.bpm()));
}

void DuetStream::begin_answer(std::int64_t phrase_end_step, std::int64_t phrase_end_ns) {
  head_.answering = true;
  head_.had_phrase = false;
  head_.phrase_end_ns = std::min(phrase_end_ns, tempo_.time_of(phrase_end_step + 1));
  head_.answer_start = phrase_end_step + 1;
  head_.answer_end = head_.answer_start + answer_steps_;
  head_.need_first_onset = true;
}

void DuetStream::human(const ShortMessage& msg, std::int64_t f, std::int64_t heard, std::int64_t heard_ns) {
  const bool on = msg.is_note_on(), off = msg.is_note_off();
  StreamHead& h = head_;
  const bool in_stream = mode_ != DuetMode::solo;
  const int key = msg.data1 & 0x7F;
  int index = spec_.range.fold(key);
  if (index < human_floor_) index += 12 * ((human_floor_ - index + 11) / 12);

  if (on) {
    h.velocity = std::clamp(0.7 * h.velocity + 0.3 * msg.data2, 1.0, 127.0);
    ++h.key_down[static_cast<std::size_t>(key)];
    ++h.keys_down;
    h.had_phrase = true;
    if (in_stream) {
      h.human_key.note_on(key, heard);
      if (mode_ == DuetMode::answer && h.answering) {
        ensure_writable(true);
        end_clara_notes(nullptr);
        h.answering = false;
        h.need_first_onset = false;
      }
      ensure_writable();
      sync();
      const int id = table_.onset_id(human_prefix_, index);
      if (id >= 0) {
        // The human re-strikes a cell Clara holds: her note stops where his starts.
        const auto c = static_cast<std::size_t>(cell(human_prefix_, index));
        if (h.clara_key[c] >= 0) {
          h.open_msgs.push_back({f, note_off(h.clara_key[c])});
          h.clara_key[c] = -1;
          --h.clara_sounding;
        }
        emit(id);
        ++h.human_cell_down[static_cast<std::size_t>(index)];
      }
    }
  } else if (off) {
    if (h.key_down[static_cast<std::size_t>(key)] > 0) {
      --h.key_down[static_cast<std::size_t>(key)];
      --h.keys_down;
      if (h.key_down[static_cast<std::size_t>(key)] == 0 && in_stream) h.human_key.note_off(key, heard);
      h.last_off = heard;
      h.last_off_ns = heard_ns >= 0 ? heard_ns : tempo_.time_of(heard);
      auto& down = h.human_cell_down[static_cast<std::size_t>(index)];
      if (down > 0 && --down == 0 && in_stream) {
        const int id = table_.end_id(human_prefix_, index);
        if (id >= 0 && grammar_.sounding(human_prefix_, index)) {
          ensure_writable(true);
          sync_to(end_step());
          emit(id);
        }
      }
    }
  } else {
    const bool down = msg.data2 >= 64;
    const bool released = h.pedal && !down;
    h.pedal = down;
    if (released && mode_ == DuetMode::answer && !h.answering && h.had_phrase && h.keys_down == 0)
      begin_answer(std::max(heard, f - 1), heard_ns >= 0 ? heard_ns : tempo_.time_of(heard));
  }
}

void DuetStream::set_mode(DuetMode mode) {
  head_.answering = false;
  head_.need_first_onset = false;
  mode_ = mode;
}

void DuetStream::set_sampler(const SamplerConfig& sampler) {
  sampler_.set_config(sampler);  // validates first: a refused config changes nothing
  config_.sampler = sampler;
}

void DuetStream::set_phrasing(const Phrasing& phrasing) {
  config_.set_phrasing(phrasing);
  const int sf = spec_.sample_freq;
  silence_steps_ = std::max(1, static_cast<int>(std::ceil(config_.answer_silence_beats * sf - 1e-9)));
  answer_steps_ = config_.answer_bars * config_.beats_per_bar * sf;
}

void DuetStream::set_fixed_velocity(int velocity) {
  if (velocity < 0 || velocity > 127)
    throw std::invalid_argument("duet: velocity = " + std::to_string(velocity) + " is not within 0..127");
  config_.fixed_velocity = velocity;
}

void DuetStream::set_instruments(const std::string& human_prefix, const std::string& clara_prefix) {
  if (head_.clara_sounding > 0) throw std::logic_error("DuetStream::set_instruments with Clara's notes sounding");
  DuetConfig next = config_;
  next.human_prefix = human_prefix;
  next.clara_prefix = clara_prefix;
  next.validate(spec_);
  // The human's held notes end in the context under the part they began in.
  sync();
  for (std::size_t i = 0; i < head_.human_cell_down.size(); ++i) {
    if (head_.human_cell_down[i] == 0) continue;
    const int id = table_.end_id(human_prefix_, static_cast<int>(i));
    if (id >= 0 && grammar_.sounding(human_prefix_, static_cast<int>(i))) emit(id);
    head_.human_cell_down[i] = 0;
  }
  const DuetConfig old = config_;
  config_ = next;
  try {
    build_masks();
  } catch (...) {
    config_ = old;
    build_masks();
    throw;
  }
}

}  // namespace clara
