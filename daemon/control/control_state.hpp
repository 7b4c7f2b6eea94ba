#pragma once
// What a control surface sees of clarad: every setting it can change, as it
// stands after the last accepted change, under the names OSC, `clara ctl` and
// the CC map use. A tablet that reconnects re-syncs from one status reply.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/duet/duet_config.hpp"
#include "core/osc/osc_packet.hpp"
#include "daemon/config/settings.hpp"

namespace clara::daemon {

struct ControlState {
  std::string model;     // the model's name (its card's)
  std::string encoding;  // notewise, chamber
  std::vector<std::string> instruments;       // the part table's prefixes
  std::vector<std::string> instrument_names;  // and their names, in the same order
  DuetMode mode = DuetMode::answer;
  bool playing = true;  // false between /clara/stop and /clara/start
  double bpm = 120.0;
  std::string sync = "internal";  // the tempo source ([sync] source, /clara/sync)
  bool sync_locked = false;       // midi-clock: locked on a running master, bar lines aligned
  double sync_bpm = 0;            // midi-clock: the master's tempo as estimated (0: none)
  bool metronome = false;         // the click on Clara's output ([sync] metronome, /clara/metronome)
  Phrasing phrasing;     // beats_per_bar follows the meter: quarter notes per bar
  int meter_numerator = 4, meter_denominator = 4;
  SamplerConfig sampler;
  int velocity = 0;  // 0 = follow the human
  std::string human_instrument = "p", clara_instrument = "p";
  std::vector<InstrumentRoute> routes;
  std::string backend;  // jack, alsa
  // The last hot model swap: idle, "loading NAME", "waiting NAME" (for the bar line),
  // "playing NAME" or "refused NAME: why" (daemon/model/model_swapper.hpp).
  std::string model_swap = "idle";
  // Solo ranking ([solo]): "off", or "best of N by CRITIC" (its counters: /clara/metrics).
  std::string solo_ranking = "off";
};

using KeyValues = std::vector<std::pair<std::string, osc::Value>>;

// Every key with its value, in a fixed order: the arguments of /clara/status.
KeyValues status_values(const ControlState& state);
// One key of status_values(); nullopt for a key that is not there.
std::optional<osc::Value> state_value(const ControlState& state, std::string_view key);
// The keys whose values differ: what is pushed to subscribers.
KeyValues changed_values(const ControlState& before, const ControlState& after);

}  // namespace clara::daemon
