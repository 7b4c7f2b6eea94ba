#include "core/duet/duet_config.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

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

}  // namespace

void Phrasing::validate() const {
  using L = DuetLimits;
  if (!std::isfinite(answer_silence_beats) || answer_silence_beats <= 0.0 ||
      answer_silence_beats > L::kMaxSilenceBeats)
    bad_field("answer_silence_beats", answer_silence_beats, "must be within (0, 64]");
  if (answer_bars < 1 || answer_bars > L::kMaxAnswerBars) bad_field("answer_bars", answer_bars, "must be within 1..64");
  if (beats_per_bar < 1 || beats_per_bar > L::kMaxBeatsPerBar)
    bad_field("beats_per_bar", beats_per_bar, "must be within 1..32");
}

void DuetConfig::validate(const EncodingSpec& spec) const {
  using L = DuetLimits;
  if (spec.encoding == Encoding::chordwise)
    throw std::invalid_argument("duet config: the duet engine needs a notewise or chamber encoding, not chordwise");
  if (!std::isfinite(bpm) || bpm < L::kMinBpm || bpm > L::kMaxBpm) bad_field("bpm", bpm, "must be within [20, 400]");
  if (lookahead_steps < 0 || lookahead_steps > L::kMaxLookaheadSteps)
    bad_field("lookahead_steps", lookahead_steps, "must be within 0..4096 (0 = two beats)");
  if (commit_steps < 0 || commit_steps > L::kMaxCommitSteps)
    bad_field("commit_steps", commit_steps, "must be within 0..96");
  if (max_late_steps < 0 || max_late_steps > L::kMaxCommitSteps)
    bad_field("max_late_steps", max_late_steps, "must be within 0..96 (0 = never re-anchor)");
  phrasing().validate();
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

}  // namespace clara
