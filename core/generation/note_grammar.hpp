#pragma once
// Guard rails that keep a sampled notewise stream well formed, whatever the sampling policy.
// The grammar tracks which notes sound (fed every token appended to the stream, sampled or
// played by the human, through observe()) and turns its rules into -inf logits before sampling.
//
// Rules (each switchable):
//  - forbid_unmatched_end: no end<x><i> while <x><i> is silent;
//  - forbid_double_onset:  no <x><i> while <x><i> already sounds;
//  - max_note_steps (0 = off): a note may last at most this many grid steps. A step counts
//    from the wait<n> tokens observed since its onset; a note ended now lasts elapsed+1 steps
//    (SPEC §2.2: the end token sits in the note's last step, before that step's wait). Waits that
//    would carry a sounding note past the limit are forbidden, and once no wait is possible the
//    note's end token is forced (every other token masked);
//  - max_polyphony (0 = off): no new onset while that many notes of the same instrument prefix
//    sound (per prefix, so the human's violin notes never block the model's piano);
//  - forbid_unk_pad: <unk> and <pad> are never emitted.
// A note only counts for max_note_steps when its end token is still allowed by the caller's
// mask, so a held human note never forces the model to emit the human's instrument.
#include <cstdint>
#include <span>
#include <vector>

#include "core/encoding/token_table.hpp"

namespace clara {

struct GrammarConfig {
  bool forbid_unmatched_end = true;
  bool forbid_double_onset = true;
  int max_note_steps = 0;
  int max_polyphony = 0;
  bool forbid_unk_pad = true;
};

class NoteGrammar {
 public:
  // Throws std::invalid_argument for negative limits.
  NoteGrammar(const Vocabulary& vocab, GrammarConfig config);

  const GrammarConfig& config() const { return config_; }
  const TokenTable& table() const { return table_; }

  // Updates the sounding notes. <eos> starts a new piece (all notes released); an end for a
  // silent note and other tokens are tolerated. Throws std::out_of_range for an id outside
  // the vocabulary.
  void observe(int id);
  void reset();

  bool sounding(int prefix, int pitch) const;
  int sounding_count(int prefix) const;
  int elapsed_steps(int prefix, int pitch) const;  // -1 when silent

  // Sets forbidden ids to -inf. `logits` must have one entry per vocabulary id and already
  // carry the caller's mask as -inf (NaN must have been replaced). Does not allocate.
  void constrain(std::span<double> logits) const;

 private:
  std::size_t cell(int prefix, int pitch) const {
    return static_cast<std::size_t>(prefix) * static_cast<std::size_t>(table_.pitch_count()) +
           static_cast<std::size_t>(pitch);
  }
  TokenTable table_;
  GrammarConfig config_;
  std::vector<std::int32_t> elapsed_;  // per (prefix, pitch): -1 silent, else steps since onset
  std::vector<int> count_;             // sounding notes per prefix
};

}  // namespace clara
