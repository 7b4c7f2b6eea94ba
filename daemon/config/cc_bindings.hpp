#pragma once
// [[cc]]: one MIDI controller of the human's input bound to one control (cc_controls.hpp).
// A continuous control maps CC 0..127 onto [min, max] through a curve; a button acts on a
// press. The runtime side is daemon/control/cc_map.hpp.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/config/cc_controls.hpp"

namespace clara::daemon {

enum class CcCurve {
  linear,       // min + (max - min) * x/127
  exponential,  // min * (max/min)^(x/127): equal knob steps are equal ratios; min and max > 0
};
std::string_view to_string(CcCurve curve);

struct CcBinding {
  int controller = 0;   // 0..119
  int channel = -1;     // 0..15 (1..16 in the file); -1 = any channel (no channel key)
  std::string control;  // a cc_controls() name
  // Continuous controls: the value at CC 0 and at CC 127, both inside the control's range;
  // min > max turns the knob round. Buttons: both 0.
  double min = 0, max = 0;
  CcCurve curve = CcCurve::linear;  // buttons: linear

  bool operator==(const CcBinding&) const = default;
  // Whether a control change on `controller`, `channel` (0..15) is this binding's.
  bool matches(int controller, int channel) const;
};

// `control` on `controller`, `channel` with the control's knob_min..knob_max, linear;
// std::invalid_argument listing the controls for an unknown name.
CcBinding default_cc_binding(std::string_view control, int controller, int channel);

// What is wrong with a binding, by the key of its [[cc]] table ("controller", "min", ...),
// or nullopt. Checks the controller, channel and control, a button's unused fields, min
// and max inside the control's range and apart, and an exponential curve's positive ends.
struct CcProblem {
  std::string key, why;
};
std::optional<CcProblem> cc_binding_problem(const CcBinding& b);

// Whether some control change would match both: the same controller on the same channel,
// or either on any channel.
bool cc_bindings_overlap(const CcBinding& a, const CcBinding& b);
// The first pair (i < j) of `bindings` that overlap, or nullopt.
std::optional<std::pair<std::size_t, std::size_t>> first_cc_overlap(const std::vector<CcBinding>& bindings);

// The value a valid continuous binding maps a CC value (0..127, clamped) to: exactly min at
// 0 and max at 127, never outside them, rounded to nearest for integer controls.
double cc_binding_value(const CcBinding& b, int cc_value);

// The binding as a [[cc]] table for clarad.toml; the loader reads it back to an equal binding.
std::string cc_binding_toml(const CcBinding& b);

}  // namespace clara::daemon
