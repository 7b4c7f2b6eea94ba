#pragma once
// Typed commands into the inference thread. Every control source (OSC, MIDI CC
// mapping, clock sync) builds one of these; validate() refuses a bad value with
// a reason where it enters, so nothing invalid ever reaches the engine and a
// refused command never silences Clara.
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/duet/duet_config.hpp"
#include "core/encoding/encoding_spec.hpp"
#include "core/generation/sampler.hpp"
#include "core/generation/token_model.hpp"

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
// The rest of a route (a reload that changed it): the output port (an index into the backend's
// outputs), the velocity curve and the note range notes fold into.
struct RouteShape {
  int output = 0;
  double velocity_curve = 1.0;
  int note_low = 0, note_high = 127;
  bool operator==(const RouteShape&) const = default;
};
// Where an instrument's notes go: channel 0..15, program -1 (none) or 0..127, sent at once
// when the instrument is Clara's; with a shape, also its output, curve and range (absent: they
// stay). Clara's sounding notes end on the route they started on before it changes.
struct SetRoute {
  std::string instrument;
  int channel;
  int program;
  std::optional<RouteShape> shape = std::nullopt;
};
// Where the grid's tempo comes from ([sync] source: internal, midi-clock); applied on a bar line.
struct SetSync { std::string source; };
// The metronome click on Clara's output (channel 10, each beat of her grid): on or off.
struct SetMetronome { bool on; };


// The hot model swap's hand-over between the worker that loads a model (daemon/model/
// model_swapper.hpp) and the inference thread, under its mutex: the worker may cancel a swap
// that has not applied yet; the inference thread leaves the model it retires here, so that
// it is freed on the worker, not on the inference thread.
struct SwapTicket {
  std::mutex mutex;
  bool applied = false, cancelled = false;
  std::optional<std::string> failed;  // the engine refused it (why)
  std::shared_ptr<TokenModel> retired;
};
// Plays on with a loaded, validated model warmed on the committed tokens [fed_begin, fed_until)
// of the engine's context (DuetEngine::swap_model); submitted on_bar_line.
struct SwapModel {
  std::shared_ptr<TokenModel> model;  // keeps what it points into alive (an aliasing pointer)
  std::string name, sha256;
  std::size_t fed_begin = 0, fed_until = 0;
  std::shared_ptr<SwapTicket> ticket;
};
// The engine's context as it stands, copied for a worker warming a new model: the committed
// tokens from its start, where that is in the stream, and the grid state.
struct ContextCopy {
  std::mutex mutex;
  bool done = false;
  std::vector<int> tokens;  // committed_tokens()[begin, begin + tokens.size())
  std::size_t begin = 0;
};
struct CaptureContext { std::shared_ptr<ContextCopy> copy; };

using ControlCommand = std::variant<SetMode, SetTempo, SetSampler, SetVelocity, SetInstruments, Panic, StopPlaying,
                                    StartPlaying, ResetContext, SetPhrasing, SetRoute, SetSync, SetMetronome, SwapModel,
                                    CaptureContext>;

// The tempo range the engine's grid accepts.
inline constexpr double kMinBpm = DuetLimits::kMinBpm, kMaxBpm = DuetLimits::kMaxBpm;

// nullopt when the command can be applied to a duet on `spec`; otherwise why not, naming the value.
std::optional<std::string> validate(const ControlCommand& command, const EncodingSpec& spec);

// "mode", "tempo", ...: for logs and refusals.
const char* command_name(const ControlCommand& command);

}  // namespace clara::daemon
