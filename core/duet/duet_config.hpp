#pragma once
// What a duet is told before it starts: the mode, the grid, the answer rules,
// the instruments and the sampler. Every bound is checked in validate(), so a
// value the engine cannot honour never reaches it.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/encoding/encoding_spec.hpp"
#include "core/generation/note_grammar.hpp"
#include "core/generation/sampler.hpp"

namespace clara {

enum class DuetMode { answer, accompany, solo, listen };
std::string_view to_string(DuetMode mode);
// "answer", "accompany", "solo" or "listen"; std::invalid_argument listing them.
DuetMode parse_duet_mode(std::string_view name);

// Where the stream puts the end of a note that stops at the frontier (a human note-off,
// Clara's yield, her notes at the answer's end, a stop). Not a setting: replay picks it by the
// session log's format version, so a session replays with the rule it was played with.
//  - encoder (today's, since commit 327c571): as the encoder writes a file: the end in the last
//    step the note sounds (the step before the frontier while the silence since is unwritten),
//    its note-off on the next; notes held to an answer's end end in its last step.
//  - frontier (before it, what every format-1 log was played with): the end in the frontier
//    step, its note-off due there (after <eos>, on the step after); an answer's last wait and
//    notes run to its end, and only waits longer than a step keep a cut point.
enum class EndPlacement { encoder, frontier };

// The bounds validate() enforces; the daemon's config loader and control path use the same.
struct DuetLimits {
  static constexpr double kMinBpm = 20.0, kMaxBpm = 400.0;
  static constexpr int kMaxLookaheadSteps = 4096;
  static constexpr int kMaxCommitSteps = 96;
  static constexpr double kMaxSilenceBeats = 64.0;
  static constexpr int kMaxAnswerBars = 64;
  static constexpr int kMaxBeatsPerBar = 32;
};

// How a phrase is heard and answered, and the bar it is counted in: what a
// player changes between pieces without restarting the duet.
struct Phrasing {
  int answer_bars = 2;                // 1..64
  double answer_silence_beats = 1.0;  // (0, 64]
  int beats_per_bar = 4;              // 1..32
  // Throws std::invalid_argument naming the field, its value and the valid range.
  void validate() const;
  bool operator==(const Phrasing&) const = default;
};

struct DuetConfig {
  DuetMode mode = DuetMode::answer;
  double bpm = 120.0;                 // in [20, 400]
  int lookahead_steps = 0;            // generated beyond the frontier; 0 = two beats
  int commit_steps = 1;               // output is fixed this many steps before it is due
  // A frontier further behind the clock than this many steps is a stall: the grid is
  // re-anchored rather than the missed steps sent late in a burst. 0 = never (tests
  // that jump the clock on purpose).
  int max_late_steps = 2;
  double answer_silence_beats = 1.0;  // > 0
  int answer_bars = 2;                // >= 1
  int beats_per_bar = 4;              // >= 1
  std::string human_prefix = "p";     // instrument the human's notes are encoded as
  std::string clara_prefix = "p";     // instrument Clara plays (sampler mask)
  int fixed_velocity = 0;             // 1..127, or 0: follow the human's recent dynamics
  int clara_channel = 0;              // 0..15, channel of Clara's messages
  std::uint8_t clara_port = 0;        // output port of Clara's messages
  SamplerConfig sampler;
  GrammarConfig grammar{.forbid_unmatched_end = true, .forbid_double_onset = true,
                        .max_note_steps = 96, .max_polyphony = 10, .forbid_unk_pad = true};

  Phrasing phrasing() const { return {answer_bars, answer_silence_beats, beats_per_bar}; }
  void set_phrasing(const Phrasing& p) {
    answer_bars = p.answer_bars;
    answer_silence_beats = p.answer_silence_beats;
    beats_per_bar = p.beats_per_bar;
  }

  // Throws std::invalid_argument naming the field, its value and the valid range.
  void validate(const EncodingSpec& spec) const;
};

}  // namespace clara
