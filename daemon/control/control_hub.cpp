#include "daemon/control/control_hub.hpp"

#include <algorithm>

namespace clara::daemon {

namespace {

bool same_route(const InstrumentRoute& a, const InstrumentRoute& b) {
  return a.instrument == b.instrument && a.channel == b.channel && a.program == b.program && a.output == b.output &&
         a.velocity_curve == b.velocity_curve && a.note_low == b.note_low && a.note_high == b.note_high;
}

const InstrumentRoute* find_route(const std::vector<InstrumentRoute>& routes, const std::string& instrument) {
  for (const auto& r : routes)
    if (r.instrument == instrument) return &r;
  return nullptr;
}

}  // namespace

std::vector<ControlCommand> commands_for(const ControlState& a, const ControlState& b) {
  std::vector<ControlCommand> out;
  if (a.bpm != b.bpm) out.push_back(SetTempo{b.bpm});
  if (a.sync != b.sync) out.push_back(SetSync{b.sync});
  if (a.metronome != b.metronome) out.push_back(SetMetronome{b.metronome});
  if (!(a.phrasing == b.phrasing)) out.push_back(SetPhrasing{b.phrasing});
  if (!(a.sampler == b.sampler)) out.push_back(SetSampler{b.sampler});
  if (a.velocity != b.velocity) out.push_back(SetVelocity{b.velocity});
  for (const auto& r : b.routes) {
    const InstrumentRoute* old = find_route(a.routes, r.instrument);
    if (!old || !same_route(*old, r))
      out.push_back(SetRoute{r.instrument, r.channel, r.program, RouteShape{r.output, r.velocity_curve, r.note_low, r.note_high}});
  }
  if (a.human_instrument != b.human_instrument || a.clara_instrument != b.clara_instrument)
    out.push_back(SetInstruments{b.human_instrument, b.clara_instrument});
  if (a.mode != b.mode) out.push_back(SetMode{b.mode});
  if (a.playing != b.playing) {
    if (b.playing)
      out.push_back(StartPlaying{});
    else
      out.push_back(StopPlaying{});
  }
  return out;
}

ControlHub::ControlHub(CommandSink& sink, ControlState initial, ControlHooks hooks)
    : sink_(sink), hooks_(std::move(hooks)), state_(std::move(initial)) {}

std::optional<std::string> ControlHub::edit(const std::function<void(ControlState&)>& edit, std::int64_t due_ns) {
  std::lock_guard lock(mutex_);
  ControlState next = state_;
  edit(next);
  const auto commands = commands_for(state_, next);
  if (commands.empty()) return std::nullopt;
  // Validate all first: an edit is accepted whole or not at all.
  if (commands.size() > 1)
    for (const auto& c : commands)
      if (auto why = sink_.check(c)) return why;
  for (const auto& c : commands) {
    // A tempo source changes on a bar line, timed or not.
    const bool on_bar = (due_ns > 0 && std::holds_alternative<SetMode>(c)) || std::holds_alternative<SetSync>(c);
    if (auto why = sink_.submit(c, due_ns, on_bar)) return why;
  }
  // A mode chosen while stopped starts her in it: the engine's SetMode plays again.
  if (std::any_of(commands.begin(), commands.end(), [](const auto& c) { return std::holds_alternative<SetMode>(c); }))
    next.playing = true;
  state_ = std::move(next);
  version_.fetch_add(1, std::memory_order_acq_rel);
  return std::nullopt;
}

std::optional<std::string> ControlHub::act(const ControlCommand& command, std::int64_t due_ns) {
  std::lock_guard lock(mutex_);
  return sink_.submit(command, due_ns, false);
}

void ControlHub::report(const std::function<void(ControlState&)>& change) {
  std::lock_guard lock(mutex_);
  change(state_);
  version_.fetch_add(1, std::memory_order_acq_rel);
}

ControlState ControlHub::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

}  // namespace clara::daemon
