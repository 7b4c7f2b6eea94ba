#pragma once
// The one place every control source changes clarad through: OSC (UDP and
// TCP), the MIDI CC map and, later, tempo sync. A change is an edit of the
// ControlState; the hub turns the difference into the engine's typed commands,
// which the inference thread validates, so a refused edit changes nothing, and
// two sources editing at once never lose each other's change. Not real-time.
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "daemon/config/cc_bindings.hpp"
#include "daemon/config/control_settings.hpp"
#include "daemon/control/control_state.hpp"
#include "daemon/engine/command_sink.hpp"

namespace clara::daemon {


struct ModelInfo {
  std::string name, encoding, instruments;
  double held_out_nll = -1;  // -1: the card does not say
};

// What the hub asks of the rest of the daemon; each may be empty (then the feature says so).
struct ControlHooks {
  std::function<std::vector<ModelInfo>()> models;
  // Switch to the named model; nullopt = accepted.
  std::function<std::optional<std::string>(const std::string& name, std::int64_t due_ns)> select_model;
  std::function<KeyValues()> metrics;
  // Bind the next moved controller to this control; nullopt = armed.
  std::function<std::optional<std::string>(const std::string& control)> learn;
  // Replace the [[cc]] bindings (a reload that changed them); the bindings are valid
  // (DaemonSettings::validate() passed). Learn mode, if armed, is cancelled.
  std::function<void(const std::vector<CcBinding>& bindings)> replace_cc;
  // What the ports connect to (a reload): the input's patterns and each output's; nullopt =
  // accepted, else why not (MidiBackend::set_connections).
  std::function<std::optional<std::string>(const std::vector<std::string>& input,
                                           const std::vector<std::vector<std::string>>& outputs)>
      connect;
  // The output ports' names (a reload): one per output, in order; nullopt = accepted, else why
  // not (MidiBackend::rename_outputs).
  std::function<std::optional<std::string>(const std::vector<std::string>& names)> rename_outputs;
  // Serve OSC as `control` says (a reload that changed the sockets, the token or the limits):
  // the running server stops, one with the new settings binds. nullopt = serving as asked;
  // else why not, and the sockets before serve again.
  std::function<std::optional<std::string>(const ControlSettings& control)> rebind_osc;
  // Extra /clara/metrics keys (the model swaps' counts), after the live ones.
  std::function<KeyValues()> model_metrics;
  // /clara/ranking: solo ranking's counters.
  std::function<KeyValues()> ranking;
};

class ControlHub {
 public:
  ControlHub(CommandSink& sink, ControlState initial, ControlHooks hooks = {});

  // Applies `edit` to a copy of the state and submits what changed (due_ns 0 = now; a
  // later time applies then, mode changes on the bar line from then). nullopt = accepted.
  std::optional<std::string> edit(const std::function<void(ControlState&)>& edit, std::int64_t due_ns = 0);
  // An action that leaves the state as it is: Panic, ResetContext.
  std::optional<std::string> act(const ControlCommand& command, std::int64_t due_ns = 0);
  // Records what the daemon did by itself (a model swap applied or refused): the state changes
  // and subscribers hear of it, with no command to the engine.
  void report(const std::function<void(ControlState&)>& change);

  ControlState state() const;
  std::uint64_t version() const { return version_.load(std::memory_order_acquire); }  // bumps on each change
  const ControlHooks& hooks() const { return hooks_; }

 private:
  CommandSink& sink_;
  ControlHooks hooks_;
  mutable std::mutex mutex_;
  ControlState state_;
  std::atomic<std::uint64_t> version_{0};
};

// Turns an edited state into the commands that make the engine match it, in the
// order they apply (mode and playing last, so an answer starts with the new settings).
std::vector<ControlCommand> commands_for(const ControlState& before, const ControlState& after);

}  // namespace clara::daemon
