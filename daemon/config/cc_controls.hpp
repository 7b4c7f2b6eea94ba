#pragma once
// What a MIDI controller can be bound to ([[cc]] control = "..."): the continuous
// controls a knob or fader moves through a range, and the buttons a press triggers.
// One table for the config loader's checks, the CC map, the docs and /clara/list.
#include <span>
#include <string>
#include <string_view>

#include "daemon/config/setting_limits.hpp"

namespace clara::daemon {

enum class CcControlKind { continuous, button };

struct CcControl {
  std::string_view name;
  CcControlKind kind;
  bool integer = false;   // values are rounded to the nearest whole number
  RealRange valid{0, 0};  // the values its setting takes (setting_limits.hpp)
  // A binding's range when the table gives none: `valid`, except that a range open at its
  // low end ((0, 1]) starts at a small value inside it, since CC 0 must map somewhere valid.
  double knob_min = 0, knob_max = 0;
  std::string_view setting;  // the setting it moves, as the config file names it; "" for buttons
  std::string_view what;     // one line for docs and /clara/list
};

// Every control, continuous ones first, in a fixed order.
std::span<const CcControl> cc_controls();
// nullptr for an unknown name.
const CcControl* find_cc_control(std::string_view name);
// "temperature, random_freq, ..., reset": for errors that list what is allowed.
std::string cc_control_names();

}  // namespace clara::daemon
