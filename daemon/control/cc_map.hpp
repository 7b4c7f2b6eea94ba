#pragma once
// MIDI controllers of the human's input as controls ([[cc]] in clarad.toml): which
// control change is whose, what value a knob means, when a button was pressed, and
// learn mode. Pure logic: no threads, clocks or I/O (time comes in with each message).
// Runs on the inference thread, not the real-time one: handle() does not allocate (the
// control names fit std::string's small buffer); a learned binding allocates once.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/duet/duet_config.hpp"
#include "core/midi/short_message.hpp"
#include "daemon/config/cc_bindings.hpp"

namespace clara::daemon {

// A continuous control moved to `value`: already mapped through the binding's range and
// curve, inside the control's range, rounded for integer controls.
struct CcSet {
  std::string control;
  double value;
};
// A button pressed.
struct CcPress {
  std::string control;
};
// Learn mode bound a controller; `toml` is the [[cc]] table to paste into clarad.toml.
struct CcLearned {
  CcBinding binding;
  std::string toml;
};
using CcAction = std::variant<CcSet, CcPress, CcLearned>;

class CcMap {
 public:
  // A button that sends 127 on each press and never a release counts again this long
  // after its last press.
  static constexpr std::int64_t kRepressNs = 300'000'000;

  // std::invalid_argument when a binding is not valid (cc_binding_problem) or two overlap;
  // DaemonSettings::validate() has refused those already.
  explicit CcMap(std::vector<CcBinding> bindings = {});

  // `m` is one message of the human's input, at `time_ns` (any monotonic clock). True when
  // it is a mapped control change or learn mode took it: the caller keeps it out of the
  // model's context and the session's human track. `action` is reset, then set when
  // something should happen:
  //  - a button: CcPress on a value 64..127 that follows one below 64 on that controller
  //    and channel (or is its first), or comes kRepressNs or more after its last press;
  //  - a continuous control: CcSet with the mapped value, unless it equals the value this
  //    binding set last (a knob's repeats and the steps rounding merges send nothing);
  //  - learning, a control change on an unbound controller 0..119: CcLearned.
  // False, and nothing changes, for other messages and unmapped controllers.
  bool handle(const ShortMessage& m, std::int64_t time_ns, std::optional<CcAction>& action);

  // Arms learn mode for `control` (a cc_controls() name; std::invalid_argument listing them
  // otherwise): the next control change on a controller 0..119 that no binding takes binds
  // it, on that message's channel, with the control's default range, linear, replacing any
  // binding `control` had. Learning again re-arms for the new control.
  void learn(const std::string& control);
  void cancel_learn();
  std::optional<std::string> learning() const;

  const std::vector<CcBinding>& bindings() const { return bindings_; }

 private:
  static std::size_t slot(int channel, int controller) { return static_cast<std::size_t>(channel) * 128 + controller; }

  std::vector<CcBinding> bindings_;
  std::vector<const CcControl*> controls_;         // per binding
  std::vector<std::optional<double>> last_value_;  // per binding: what its last CcSet said
  // Per channel and controller, whatever the bindings: the last value (-1: none yet) and
  // when a press last counted (nullopt: never).
  std::vector<std::int8_t> level_;
  std::vector<std::optional<std::int64_t>> pressed_at_;
  std::optional<std::string> learning_;
};

// What the "mode" button switches to: answer, accompany, solo, listen, answer, ...
DuetMode next_duet_mode(DuetMode mode);

}  // namespace clara::daemon
