#pragma once
// The duet's token stream and the rules that write it (see duet_engine.hpp for
// the rules in words): the human's notes enter as onsets/ends at the frontier,
// silence as the longest waits, Clara's tokens are sampled under her mask and
// the grammar and become note-on/off messages, and answer mode decides when a
// phrase ends and how long Clara answers. One step at a time: produce() writes
// the head step; the engine commits it or, through Speculation, keeps it as a
// tail that a human message throws away.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/duet/duet_config.hpp"
#include "core/duet/human_key.hpp"
#include "core/duet/tempo_map.hpp"
#include "core/encoding/token_table.hpp"
#include "core/encoding/vocabulary.hpp"
#include "core/generation/token_model.hpp"
#include "core/midi/timed_message.hpp"

namespace clara {

struct DuetStats;

// A Clara message waiting for its step to be committed; the due time is computed then,
// so a tempo change never leaves stale times in the speculative tail.
struct PendingMessage {
  std::int64_t due_step;
  ShortMessage msg;
};

inline constexpr std::int64_t kNeverStep = INT64_MIN / 4;

// Everything generation reads and writes except the model and grammar; copyable so a
// step's starting point can be kept for rollback.
struct StreamHead {
  std::int64_t step = 0;        // the step being produced
  std::int64_t cursor = 0;      // steps covered by the waits written so far
  std::uint64_t ntokens = 0;    // tokens in the stream (committed + tail + open)
  std::vector<float> logits;    // the model's output after the last fed token
  std::vector<int> open_tokens; // tokens of `step` written so far
  std::vector<PendingMessage> open_msgs;
  std::vector<int> ended_cells; // cells Clara ended in `step` (no re-onset within the step)
  std::vector<std::int16_t> clara_key;  // per cell: MIDI key Clara sounds there, or -1
  int clara_sounding = 0;
  std::array<std::uint16_t, 128> key_down{};
  int keys_down = 0;
  std::vector<int> human_cell_down;  // per pitch index of the human part
  bool pedal = false;
  bool had_phrase = false;           // the human played since the last answer started
  std::int64_t last_off = kNeverStep;  // grid step the human's last note-off was played in
  std::int64_t last_off_ns = 0;      // and when
  bool answering = false;
  std::int64_t answer_start = 0, answer_end = 0;
  std::int64_t phrase_end_ns = 0;    // when the phrase-end condition held
  bool need_first_onset = false;
  double velocity = 80.0;
  HumanKey human_key;  // the human's recent notes and their key: the key-keeping bias
};

struct StreamSnapshot {
  StreamHead head;
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

// A phrase whose tokens are sampled with a derived seed (solo ranking): the steps
// [start, end) draw with candidate_seed(seed, candidate). Candidate 0 is the configured seed
// itself, so an unranked phrase and candidate 0 are the same tokens.
struct PhraseSeed {
  std::int64_t start = 0, end = 0;
  int candidate = 0;
};

// The seed candidate `candidate` of a ranked phrase draws with (0: `seed` itself).
std::uint64_t candidate_seed(std::uint64_t seed, int candidate);

// One produced grid step: its tokens and Clara's messages.
struct StepRecord {
  std::int64_t step = 0;
  std::optional<StreamSnapshot> start;  // speculative steps only
  std::vector<int> tokens;
  std::vector<PendingMessage> msgs;
  std::optional<WaitCut> wait;
  bool answer_onset = false;       // holds the first note-on of an answer
  std::int64_t phrase_end_ns = 0;
};

class DuetStream {
 public:
  // Throws std::invalid_argument when the vocabulary cannot express the config.
  DuetStream(TokenModel& model, const Vocabulary& vocab, const EncodingSpec& spec, DuetConfig config,
             const TempoMap& tempo, DuetStats& stats, EndPlacement placement = EndPlacement::encoder);

  // An empty stream: model and grammar reset, <eos> fed and committed.
  void reset();
  // Clears the context mid-session (the model forgets): Clara's notes must have ended.
  void clear_context();

  // Writes the head step and moves to the next one.
  StepRecord produce(bool speculative);
  // Appends a committed step's tokens to the committed stream.
  void commit(StepRecord& rec);
  // The frontier step's open tokens become final (the engine stops); returns how many.
  std::size_t commit_open_tokens();

  // The human's message at frontier `f`, played in grid step `heard` (<= f); `heard_ns`
  // is its exact time when known (-1: the step's time). Note on/off and CC64 only.
  void human(const ShortMessage& msg, std::int64_t f, std::int64_t heard, std::int64_t heard_ns);

  // Ends every note Clara sounds with end tokens, as the encoder would write notes that
  // stop at the current step (end_step()); the note-offs are due on the step after the
  // ends and go to `direct` at once when given, else with the step. (EndPlacement::frontier:
  // the ends in the current step, the note-offs due there, or on the next step `after_eos`.)
  void end_clara_notes(std::vector<TimedMessage>* direct, bool after_eos = false);
  // Makes the frontier writable: a committed sampled wait that spans it is cut there, or
  // `for_ends`, a step earlier where it can be (see end_step(); never under EndPlacement::frontier).
  void ensure_writable(bool for_ends = false);

  // Solo ranking: the seed a phrase is sampled with. `trial` (the candidate being generated,
  // nullopt: none) comes before the chosen ones; choose_phrase() records a phrase's choice for
  // good (until reset()); phrase_chosen() says whether one was recorded for `start`.
  void set_trial_seed(const std::optional<PhraseSeed>& trial) { trial_seed_ = trial; }
  void choose_phrase(const PhraseSeed& choice);
  bool phrase_chosen(std::int64_t start) const;

  StreamSnapshot snapshot() const;
  void restore(const StreamSnapshot& s);

  void set_mode(DuetMode mode);
  void set_sampler(const SamplerConfig& sampler);
  void set_fixed_velocity(int velocity);
  void set_phrasing(const Phrasing& phrasing);  // validated by the caller
  // Human and Clara instruments by part prefix; Clara's notes must have ended.
  void set_instruments(const std::string& human_prefix, const std::string& clara_prefix);
  // Plays on with `next` from here: it is brought to the model's context (the tokens from
  // context_begin() to the head, committed and open), so its next logits continue the same
  // stream. A caller that already reset `next` and fed it the committed tokens
  // [fed_begin, fed_until) (a worker warming it while the old model played) passes those:
  // only the rest is fed here when fed_begin is still context_begin() and fed_until lies
  // before the last committed token (the only one a cut may still change); otherwise it
  // is reset and fed the whole context. The caller has rolled the tail back. Throws
  // std::invalid_argument (nothing changed) when its vocabulary size differs.
  void swap_model(TokenModel& next, std::size_t fed_begin, std::size_t fed_until);
  // Where the model's context begins in committed(): its <eos> (0, or the last reset's).
  std::size_t context_begin() const { return context_begin_; }

  DuetMode mode() const { return mode_; }
  const DuetConfig& config() const { return config_; }
  const StreamHead& head() const { return head_; }
  StreamHead& head() { return head_; }
  const std::vector<int>& committed() const { return committed_; }

 private:
  int cell(int prefix, int pitch) const { return prefix * table_.pitch_count() + pitch; }
  void feed(int id);
  void emit(int id);
  void sync();
  void sync_to(std::int64_t step);
  std::int64_t end_step() const;
  bool clara_plays(std::int64_t s) const;
  void sample_step(StepRecord& rec);
  void begin_answer(std::int64_t phrase_end_step, std::int64_t phrase_end_ns);
  std::int64_t silence_ns() const;
  void build_masks();
  std::uint8_t velocity() const;
  ShortMessage note_on(int key) const;
  ShortMessage note_off(int key) const;

  TokenModel* model_;  // never null; swap_model() changes it
  const Vocabulary& vocab_;
  EncodingSpec spec_;
  DuetConfig config_;
  const TempoMap& tempo_;
  DuetStats& stats_;
  TokenTable table_;
  NoteGrammar grammar_;
  Sampler sampler_;
  TokenMask base_mask_, answer_mask_, onset_mask_, work_mask_;
  std::vector<int> wait_id_;  // [n] -> id of wait<n>
  int human_prefix_ = -1, clara_prefix_ = -1, human_floor_ = 0;
  int max_wait_ = 0, silence_steps_ = 0, answer_steps_ = 0;
  std::size_t step_token_cap_ = 0;
  std::uint64_t seed_at(std::int64_t step) const;
  std::optional<PhraseSeed> trial_seed_;
  std::vector<PhraseSeed> phrase_seeds_;  // the chosen phrases, in order of their start

  EndPlacement placement_ = EndPlacement::encoder;
  DuetMode mode_ = DuetMode::answer;
  StreamHead head_;
  std::optional<WaitCut> committed_wait_;
  std::vector<int> committed_;
  std::size_t context_begin_ = 0;
};

}  // namespace clara
