#include "daemon/config/cc_bindings.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace clara::daemon {

namespace {

std::string number_text(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// Shortest text that reads back to `v`, always a TOML float.
std::string toml_float(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, ec == std::errc() ? end : buf);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

std::string_view to_string(CcCurve curve) { return curve == CcCurve::exponential ? "exponential" : "linear"; }

bool CcBinding::matches(int cc, int ch) const { return cc == controller && (channel < 0 || channel == ch); }

CcBinding default_cc_binding(std::string_view control, int controller, int channel) {
  const CcControl* c = find_cc_control(control);
  if (!c)
    throw std::invalid_argument("'" + std::string(control) + "' is not a control; use one of " + cc_control_names());
  CcBinding b;
  b.controller = controller;
  b.channel = channel;
  b.control = std::string(c->name);
  b.min = c->knob_min;
  b.max = c->knob_max;
  return b;
}

std::optional<CcProblem> cc_binding_problem(const CcBinding& b) {
  if (b.controller >= 120 && b.controller <= 127)
    return CcProblem{"controller", "controller " + std::to_string(b.controller) +
                                       " is a channel-mode message (120..127: all sound off, reset controllers, local "
                                       "control, all notes off, omni, mono/poly), not a control; use " +
                                       limits::cc_controller.text()};
  if (!limits::cc_controller.contains(b.controller))
    return CcProblem{"controller", "must be an integer in " + limits::cc_controller.text() + " (got " +
                                       std::to_string(b.controller) + ")"};
  if (b.channel != -1 && !limits::channel.contains(std::int64_t{b.channel} + 1))
    return CcProblem{
        "channel", "must be an integer in " + limits::channel.text() + " (got " + std::to_string(b.channel + 1) + ")"};
  const CcControl* c = find_cc_control(b.control);
  if (!c) return CcProblem{"control", "must be one of " + cc_control_names() + " (got '" + b.control + "')"};
  if (c->kind == CcControlKind::button) {
    if (b.min != 0 || b.max != 0 || b.curve != CcCurve::linear)
      return CcProblem{b.min != 0   ? "min"
                       : b.max != 0 ? "max"
                                    : "curve",
                       "'" + b.control +
                           "' is a button (a press acts, a value 64..127 after one below 64): it takes no "
                           "min, max or curve"};
    return std::nullopt;
  }
  for (const auto& [key, v] : {std::pair{"min", b.min}, std::pair{"max", b.max}})
    if (!c->valid.contains(v))
      return CcProblem{key, "must be a number in " + c->valid.text() + ", the range of " + std::string(c->setting) +
                                " (got " + number_text(v) + ")"};
  if (b.min == b.max)
    return CcProblem{"max",
                     "equals min (" + number_text(b.min) + "): the knob would do nothing; min > max turns it round"};
  if (b.curve == CcCurve::exponential && (b.min <= 0 || b.max <= 0))
    return CcProblem{b.min <= 0 ? "min" : "max",
                     "curve exponential (min * (max/min)^(x/127)) needs min and max above 0 (got min " +
                         number_text(b.min) + ", max " + number_text(b.max) + ")"};
  return std::nullopt;
}

bool cc_bindings_overlap(const CcBinding& a, const CcBinding& b) {
  return a.controller == b.controller && (a.channel < 0 || b.channel < 0 || a.channel == b.channel);
}

std::optional<std::pair<std::size_t, std::size_t>> first_cc_overlap(const std::vector<CcBinding>& bindings) {
  for (std::size_t j = 0; j < bindings.size(); ++j)
    for (std::size_t i = 0; i < j; ++i)
      if (cc_bindings_overlap(bindings[i], bindings[j])) return std::pair{i, j};
  return std::nullopt;
}

double cc_binding_value(const CcBinding& b, int cc_value) {
  const int x = std::clamp(cc_value, 0, 127);
  double v;
  if (x == 0)
    v = b.min;
  else if (x == 127)
    v = b.max;
  else if (b.curve == CcCurve::exponential)
    v = b.min * std::pow(b.max / b.min, x / 127.0);
  else
    v = b.min + (b.max - b.min) * (x / 127.0);
  // Rounding error must not step outside [min, max], so never outside the control's range.
  v = std::clamp(v, std::min(b.min, b.max), std::max(b.min, b.max));
  const CcControl* c = find_cc_control(b.control);
  if (c && c->integer) v = std::round(v);
  return v;
}

std::string cc_binding_toml(const CcBinding& b) {
  std::string s = "[[cc]]\ncontroller = " + std::to_string(b.controller) + "\n";
  if (b.channel >= 0) s += "channel = " + std::to_string(b.channel + 1) + "\n";
  s += "control = \"" + b.control + "\"\n";
  const CcControl* c = find_cc_control(b.control);
  if (c && c->kind == CcControlKind::continuous) {
    s += "min = " + toml_float(b.min) + "\nmax = " + toml_float(b.max) + "\n";
    if (b.curve != CcCurve::linear) s += "curve = \"" + std::string(to_string(b.curve)) + "\"\n";
  }
  return s;
}

}  // namespace clara::daemon
