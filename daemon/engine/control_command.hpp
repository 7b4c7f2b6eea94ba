#pragma once
// Typed commands into the inference thread. Every control source (OSC, MIDI CC
// mapping, clock sync) builds one of these; validate() refuses a bad value with
// a reason where it enters, so nothing invalid ever reaches the engine and a
// refused command never silences Clara.
#include <optional>
#include <string>
#include <variant>

#include "core/duet/duet_engine.hpp"

namespace clara::daemon {

struct SetMode { DuetMode mode; };
struct SetTempo { double bpm; };
struct Panic {};      // end every sounding note now (note-offs, CC64 0, CC123, CC120)
struct StopPlaying {};  // Clara's notes end at the frontier and she stays silent

using ControlCommand = std::variant<SetMode, SetTempo, Panic, StopPlaying>;

// The tempo range the engine's grid accepts.
inline constexpr double kMinBpm = 20.0, kMaxBpm = 400.0;

// nullopt when the command can be applied; otherwise why not, naming the value.
std::optional<std::string> validate(const ControlCommand& command);

// "mode", "tempo", ...: for logs and refusals.
const char* command_name(const ControlCommand& command);

}  // namespace clara::daemon
