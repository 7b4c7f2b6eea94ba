#include "daemon/control/cc_map.hpp"

#include <stdexcept>

namespace clara::daemon {

CcMap::CcMap(std::vector<CcBinding> bindings)
    : bindings_(std::move(bindings)), level_(16 * 128, -1), pressed_at_(16 * 128) {
  for (std::size_t i = 0; i < bindings_.size(); ++i)
    if (const auto problem = cc_binding_problem(bindings_[i]))
      throw std::invalid_argument("cc binding " + std::to_string(i) + ": " + problem->key + ": " + problem->why);
  if (const auto pair = first_cc_overlap(bindings_))
    throw std::invalid_argument("cc bindings " + std::to_string(pair->first) + " and " + std::to_string(pair->second) +
                                " take the same controller and channel");
  for (const auto& b : bindings_) controls_.push_back(find_cc_control(b.control));
  last_value_.resize(bindings_.size());
  // A learned binding then costs its own allocation only.
  bindings_.reserve(bindings_.size() + 1);
  controls_.reserve(bindings_.size() + 1);
  last_value_.reserve(bindings_.size() + 1);
}

bool CcMap::handle(const ShortMessage& m, std::int64_t time_ns, std::optional<CcAction>& action) {
  action.reset();
  if (m.type() != 0xB0) return false;
  const int controller = m.data1 & 0x7F, channel = m.channel(), value = m.data2 & 0x7F;
  std::size_t i = 0;
  while (i < bindings_.size() && !bindings_[i].matches(controller, channel)) ++i;
  const bool bound = i < bindings_.size();
  const bool learns = !bound && learning_ && limits::cc_controller.contains(controller);
  if (!bound && !learns) return false;

  const std::size_t s = slot(channel, controller);
  const int previous = level_[s];
  level_[s] = static_cast<std::int8_t>(value);
  const bool pressed = value >= 64 && (previous < 64 || !pressed_at_[s] || time_ns - *pressed_at_[s] >= kRepressNs);
  if (pressed) pressed_at_[s] = time_ns;

  if (learns) {
    CcBinding b = default_cc_binding(*learning_, controller, channel);
    for (std::size_t j = bindings_.size(); j-- > 0;)
      if (bindings_[j].control == b.control) {
        bindings_.erase(bindings_.begin() + static_cast<std::ptrdiff_t>(j));
        controls_.erase(controls_.begin() + static_cast<std::ptrdiff_t>(j));
        last_value_.erase(last_value_.begin() + static_cast<std::ptrdiff_t>(j));
      }
    bindings_.push_back(b);
    controls_.push_back(find_cc_control(b.control));
    last_value_.emplace_back();
    learning_.reset();
    std::string toml = cc_binding_toml(b);
    action.emplace(CcLearned{std::move(b), std::move(toml)});
    return true;
  }

  const CcBinding& b = bindings_[i];
  if (controls_[i]->kind == CcControlKind::button) {
    if (pressed) action.emplace(CcPress{b.control});
    return true;
  }
  const double v = cc_binding_value(b, value);
  if (last_value_[i] == v) return true;
  last_value_[i] = v;
  action.emplace(CcSet{b.control, v});
  return true;
}

void CcMap::learn(const std::string& control) {
  const CcControl* c = find_cc_control(control);
  if (!c) throw std::invalid_argument("'" + control + "' is not a control; use one of " + cc_control_names());
  learning_ = std::string(c->name);
}

void CcMap::cancel_learn() { learning_.reset(); }

std::optional<std::string> CcMap::learning() const { return learning_; }

DuetMode next_duet_mode(DuetMode mode) {
  switch (mode) {
    case DuetMode::answer:
      return DuetMode::accompany;
    case DuetMode::accompany:
      return DuetMode::solo;
    case DuetMode::solo:
      return DuetMode::listen;
    case DuetMode::listen:
      return DuetMode::answer;
  }
  return DuetMode::answer;
}

}  // namespace clara::daemon
