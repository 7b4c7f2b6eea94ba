#pragma once
// Typed commands into the inference thread. Every control source (OSC, MIDI CC
// mapping, clock sync) builds one of these; validate() refuses a bad value with
// a reason where it enters, so nothing invalid ever reaches the engine and a
// refused command never silences Clara.
#include <optional>
#include <string>
#include <variant>

#include "core/duet/duet_config.hpp"
#include "core/encoding/encoding_spec.hpp"
#include "core/generation/sampler.hpp"

namespace clara::daemon {

struct SetMode { DuetMode mode; };
struct SetTempo { double bpm; };
struct SetSampler { SamplerConfig sampler; };  // every sampler setting at once
struct SetVelocity { int velocity; };          // 1..127, or 0: follow the human
// Who plays what, by part prefix of the model's part table ("vn", "p", ...).
struct SetInstruments { std::string human, clara; };
struct Panic {};         // end every sounding note now (note-offs, CC64 0, CC123, CC120)
struct StopPlaying {};   // Clara's notes end at the frontier and she stays silent
struct StartPlaying {};  // back to the mode she had before StopPlaying
struct ResetContext {};  // Clara forgets the session so far, as at a new piece
struct SetPhrasing { Phrasing phrasing; };  // answer bars, silence that ends a phrase, beats per bar
// Where an instrument's notes go: channel 0..15, program -1 (none) or 0..127, sent at once
// when the instrument is Clara's.
struct SetRoute { std::string instrument; int channel; int program; };
// Where the grid's tempo comes from ([sync] source: internal, midi-clock); applied on a bar line.
struct SetSync { std::string source; };

using ControlCommand = std::variant<SetMode, SetTempo, SetSampler, SetVelocity, SetInstruments, Panic, StopPlaying,
                                    StartPlaying, ResetContext, SetPhrasing, SetRoute, SetSync>;

// The tempo range the engine's grid accepts.
inline constexpr double kMinBpm = DuetLimits::kMinBpm, kMaxBpm = DuetLimits::kMaxBpm;

// nullopt when the command can be applied to a duet on `spec`; otherwise why not, naming the value.
std::optional<std::string> validate(const ControlCommand& command, const EncodingSpec& spec);

// "mode", "tempo", ...: for logs and refusals.
const char* command_name(const ControlCommand& command);

}  // namespace clara::daemon
