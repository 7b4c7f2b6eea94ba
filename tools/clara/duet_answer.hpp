#pragma once
// Clara's answer to a phrase, offline: the phrase is played into the duet engine in answer
// mode, step by step as `clara replay` drives it (no clock, no ports), and what Clara
// commits after the phrase is her answer. Torch-free: any TokenModel.
#include <cstddef>
#include <vector>

#include "core/encoding/encoding_spec.hpp"
#include "core/encoding/grid_piece.hpp"
#include "core/encoding/vocabulary.hpp"
#include "core/generation/sampler.hpp"
#include "core/generation/token_model.hpp"
#include "core/midi/score.hpp"

namespace clara::cli {

struct DuetAnswerOptions {
  std::int64_t phrase_steps = 16 * 12;  // the human plays the grid notes starting before this step
  double answer_beats = 16;             // Clara may answer this long (whole bars are asked for)
  int beats_per_bar = 4;
  double silence_beats = 1.0;  // clarad's default phrase-end silence
  SamplerConfig sampler;       // clarad's defaults unless changed
};

struct DuetAnswer {
  // Clara's notes from her first onset after the phrase's last note-off, 0 = that onset,
  // cut to answer_beats as passage() cuts. Empty when she did not answer.
  std::vector<Note> notes;
  double start_beats = -1;  // that onset, in beats after the phrase's last note-off; -1 = none
  std::size_t inside_phrase =
      0;  // notes Clara played during rests inside the phrase (answers the human cut short)
  std::size_t tokens = 0;  // tokens the engine committed, phrase included
};

// `phrase` holds the piece's grid notes (part 0 only is played; notes are clipped at
// phrase_steps, those starting at or after it are ignored). Throws std::invalid_argument for
// a config the engine refuses.
DuetAnswer answer_phrase(TokenModel& model, const Vocabulary& vocab, const EncodingSpec& spec,
                         const GridPiece& piece, const DuetAnswerOptions& options);

}  // namespace clara::cli
