#include "daemon/control/config_reload.hpp"

#include <algorithm>
#include <array>
#include <sstream>
#include <string_view>
#include <utility>

#include "daemon/config/command_line.hpp"
#include "daemon/log/logger.hpp"

namespace clara::daemon {

namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view e) {
  return s.size() >= e.size() && s.substr(s.size() - e.size()) == e;
}

bool route_key(const std::string& key) { return starts_with(key, "route["); }
bool cc_key(const std::string& key) { return starts_with(key, "cc["); }
// What the ports connect to: the backend re-patterns them while playing (JACK).
bool connect_key(const std::string& key) {
  return key == "midi.connect_input" || (starts_with(key, "midi.output[") && ends_with(key, "].connect"));
}
// An output port's name: the backend renames it while playing (JACK).
bool name_key(const std::string& key) { return starts_with(key, "midi.output[") && ends_with(key, "].name"); }
// Where and how OSC is served: the control plane binds new sockets while playing (control.learn
// is armed at start only).
bool osc_key(const std::string& key) { return starts_with(key, "control.") && key != "control.learn"; }
// A route's channel, program, output, curve and range change while playing (SetRoute, on the
// inference thread, Clara's notes ended on the route they started on first). Which instrument a
// route is for is what finds it: a route added, removed or given to another instrument rebuilds
// the routing, at a restart.
bool live_route_key(const std::string& key) { return route_key(key) && !ends_with(key, "].instrument"); }

// Sets in `s` the field `key` names, from `next`.
void apply_key(const std::string& key, const DaemonSettings& next, ControlState& s) {
  const DuetConfig& d = next.duet;
  const SamplerConfig& p = d.sampler;
  if (key == "duet.mode") s.mode = d.mode;
  else if (key == "duet.tempo") s.bpm = d.bpm;
  else if (key == "duet.answer_silence_beats") s.phrasing.answer_silence_beats = d.answer_silence_beats;
  else if (key == "duet.answer_bars") s.phrasing.answer_bars = d.answer_bars;
  else if (key == "duet.beats_per_bar") {
    s.phrasing.beats_per_bar = d.beats_per_bar;
    s.meter_numerator = d.beats_per_bar;
    s.meter_denominator = 4;
  } else if (key == "duet.velocity") s.velocity = d.fixed_velocity;
  else if (key == "duet.human_instrument") s.human_instrument = d.human_prefix;
  else if (key == "duet.clara_instrument") s.clara_instrument = d.clara_prefix;
  else if (key == "sampler.policy") s.sampler.policy = p.policy;
  else if (key == "sampler.temperature") s.sampler.temperature = p.temperature;
  else if (key == "sampler.top_k") s.sampler.top_k = p.top_k;
  else if (key == "sampler.top_p") s.sampler.top_p = p.top_p;
  else if (key == "sampler.random_freq") s.sampler.random_freq = p.random_freq;
  else if (key == "sampler.key_keeping") s.sampler.key_keeping = p.key_keeping;
  else if (key == "sampler.seed") s.sampler.seed = p.seed;
  else if (live_route_key(key)) {
    const std::size_t i = std::stoul(key.substr(6));
    if (i >= next.routes.size()) return;
    const InstrumentRoute& r = next.routes[i];
    auto it = std::find_if(s.routes.begin(), s.routes.end(),
                           [&](const InstrumentRoute& x) { return x.instrument == r.instrument; });
    if (it == s.routes.end()) {
      s.routes.push_back(r);
    } else {
      *it = r;
    }
  }
}

std::string change_text(const SettingChange& c) { return c.key + " " + c.before + " -> " + c.after; }

// The connection patterns of `from` into `to` (outputs they both have).
void copy_connections(const DaemonSettings& from, DaemonSettings& to) {
  to.midi.connect_input = from.midi.connect_input;
  for (std::size_t i = 0; i < to.midi.outputs.size() && i < from.midi.outputs.size(); ++i)
    to.midi.outputs[i].connect = from.midi.outputs[i].connect;
}

// Changes that a part of clarad applies itself in one call (the backend, the control plane), with
// its answer: applied (logged with `doing`), or refused, and then waiting for a restart, asked
// again at each reload. Whether they were applied.
bool settle(const std::vector<SettingChange>& changes, const std::optional<std::string>& refused, const char* doing,
            ReloadOutcome& out) {
  for (const auto& c : changes) {
    if (refused) {
      out.needs_restart.push_back(c);
      log::warning("reload: needs a restart: %s (%s)", change_text(c).c_str(), refused->c_str());
    } else {
      out.applied.push_back(c);
      log::notice("reload: %s%s", change_text(c).c_str(), doing);
    }
  }
  return !refused;
}

// The output names of `from` into `to` (outputs they both have).
void copy_names(const DaemonSettings& from, DaemonSettings& to) {
  for (std::size_t i = 0; i < to.midi.outputs.size() && i < from.midi.outputs.size(); ++i)
    to.midi.outputs[i].name = from.midi.outputs[i].name;
}

// The OSC settings of `from` into `to` (learn stays `to`'s).
void copy_osc(const DaemonSettings& from, DaemonSettings& to) {
  const std::string learn = to.control.learn;
  to.control = from.control;
  to.control.learn = learn;
}

}  // namespace

bool live_setting(const std::string& key) {
  static constexpr std::array<std::string_view, 16> kLive = {
      "duet.mode",      "duet.tempo",          "duet.answer_silence_beats", "duet.answer_bars",
      "duet.beats_per_bar", "duet.velocity",   "duet.human_instrument",     "duet.clara_instrument",
      "sampler.policy", "sampler.temperature", "sampler.top_k",             "sampler.top_p",
      "sampler.random_freq", "sampler.key_keeping", "sampler.seed",   "log.level"};
  return live_route_key(key) || std::find(kLive.begin(), kLive.end(), key) != kLive.end();
}

ConfigReload::ConfigReload(std::vector<std::string> args, ConfigLocation config, DaemonSettings running,
                           Complete complete, ControlHub& hub, std::function<std::int64_t()> now_ns)
    : args_(std::move(args)),
      config_(std::move(config)),
      started_(running),
      applied_(std::move(running)),
      complete_(std::move(complete)),
      hub_(hub),
      now_ns_(std::move(now_ns)) {}

ReloadOutcome ConfigReload::reload() {
  ReloadOutcome out;
  // Started on the built-in defaults: a file written since is the one to read now.
  const ConfigLocation where = config_.path.empty() ? find_config_file("") : config_;
  out.file = where.describe();
  log::notice("reload (SIGHUP): %s", out.file.c_str());

  DaemonSettings next;
  try {
    parse_command_line(args_, next, &where);
    if (complete_) complete_(next);
  } catch (const std::exception& e) {
    std::istringstream lines(e.what());
    for (std::string line; std::getline(lines, line);) out.errors.push_back(line);
    log::error("reload refused, the running settings keep playing: %zu problem%s in the new settings",
               out.errors.size(), out.errors.size() == 1 ? "" : "s");
    for (const auto& line : out.errors) log::error("%s", line.c_str());
    return out;
  }
  if (where.path != config_.path && !where.path.empty()) config_ = where;

  // A route added, removed or moved to another instrument or output rebuilds the routing:
  // every route key then waits for a restart.
  const auto since_start = setting_changes(started_, next);
  const std::string unset = "(not set)";  // setting_changes()'s side of a key one side lacks
  const bool routes_rebuilt =
      std::any_of(since_start.begin(), since_start.end(),
                  [&](const SettingChange& c) {
                    return route_key(c.key) && (!live_route_key(c.key) || c.before == unset || c.after == unset);
                  }) ||
      // An output the running backend does not have (the file added one, which waits for a restart).
      std::any_of(next.routes.begin(), next.routes.end(), [&](const InstrumentRoute& r) {
        return r.output >= static_cast<int>(started_.midi.outputs.size());
      });
  // [[cc]] bindings are replaced whole, when the daemon can (its control plane runs).
  const bool cc_live = static_cast<bool>(hub_.hooks().replace_cc);
  auto live = [&](const std::string& key) {
    return (live_setting(key) && !(routes_rebuilt && route_key(key))) || (cc_live && cc_key(key));
  };

  const auto since_applied = setting_changes(applied_, next);
  auto changed_since_applied = [&](const std::string& key) {
    return std::any_of(since_applied.begin(), since_applied.end(), [&](const SettingChange& c) { return c.key == key; });
  };
  std::vector<SettingChange> changes, connect_changes, osc_changes, name_changes;
  for (const auto& c : since_applied) {
    if (name_key(c.key)) {
      name_changes.push_back(c);  // to the backend once the rest is accepted
    } else if (connect_key(c.key)) {
      connect_changes.push_back(c);  // to the backend once the rest is accepted
    } else if (osc_key(c.key)) {
      osc_changes.push_back(c);  // to the control plane once the rest is accepted
    } else if (live(c.key)) {
      changes.push_back(c);
    } else if (c.key == "model.name" && hub_.hooks().select_model) {
      // As /clara/model NAME: a switch on the next bar line, or the control path's reason why not.
      if (auto why = hub_.hooks().select_model(next.model, now_ns_())) {
        out.needs_restart.push_back(c);
        log::warning("reload: needs a restart: %s (%s)", change_text(c).c_str(), why->c_str());
      } else {
        applied_.model = next.model;
        out.applied.push_back(c);
        log::notice("reload: %s, on the next bar line", change_text(c).c_str());
      }
    }
  }
  for (const auto& c : since_start) {
    if (live(c.key) || (c.key == "model.name" && hub_.hooks().select_model)) continue;
    // Connection patterns: below, when they changed since last applied; applied ones wait for nothing.
    if (connect_key(c.key) || osc_key(c.key) || name_key(c.key)) continue;
    // A route's channel or program already applied live is not waiting for anything.
    if (live_route_key(c.key) && !changed_since_applied(c.key)) continue;
    out.needs_restart.push_back(c);
    log::warning("reload: needs a restart: %s; keeps %s until then", change_text(c).c_str(), c.before.c_str());
  }

  const bool cc_changed =
      std::any_of(changes.begin(), changes.end(), [](const SettingChange& c) { return cc_key(c.key); });
  if (!changes.empty()) {
    auto why = hub_.edit(
        [&](ControlState& s) {
          for (const auto& c : changes) apply_key(c.key, next, s);
        },
        now_ns_());
    if (why) {
      out.refused = *why;
      log::error("reload refused, the running settings keep playing: %s", why->c_str());
      return out;
    }
    if (cc_changed) hub_.hooks().replace_cc(next.cc);
    for (const auto& c : changes) {
      if (c.key == "log.level") {
        log::Level level;
        if (log::parse_level(next.log_level, level)) log::set_level(level);
      }
      out.applied.push_back(c);
      log::notice("reload: %s", change_text(c).c_str());
    }
    // The connection patterns are the backend's to accept, below: applied_ keeps its own until then.
    DaemonSettings accepted = next;
    copy_connections(applied_, accepted);
    copy_osc(applied_, accepted);
    copy_names(applied_, accepted);
    applied_ = std::move(accepted);
  }
  // Connection patterns: one call for all of them. The backend reconnects while playing (JACK) or
  // says why not (ALSA, another number of outputs, a malformed pattern).
  if (!connect_changes.empty()) {
    std::optional<std::string> refused = std::string("no backend to reconnect here");
    if (hub_.hooks().connect) {
      std::vector<std::vector<std::string>> outputs;
      for (const auto& o : next.midi.outputs) outputs.push_back(o.connect);
      refused = hub_.hooks().connect(next.midi.connect_input, outputs);
    }
    if (settle(connect_changes, refused, " (reconnecting)", out)) copy_connections(next, applied_);
  }
  // Output port names: one call for all of them, as the connection patterns.
  if (!name_changes.empty()) {
    std::optional<std::string> refused = std::string("no backend to rename ports here");
    if (hub_.hooks().rename_outputs) {
      std::vector<std::string> names;
      for (const auto& o : next.midi.outputs) names.push_back(o.name);
      refused = hub_.hooks().rename_outputs(names);
    }
    if (settle(name_changes, refused, " (renaming the port)", out)) copy_names(next, applied_);
  }
  // OSC: one rebind for all its keys (sockets, token, limits). Refused (a port taken), the sockets
  // before serve on.
  if (!osc_changes.empty()) {
    std::optional<std::string> refused = std::string("no OSC server to rebind here");
    if (hub_.hooks().rebind_osc) refused = hub_.hooks().rebind_osc(next.control);
    if (settle(osc_changes, refused, "", out)) copy_osc(next, applied_);
  }
  if (out.applied.empty() && out.needs_restart.empty()) log::notice("reload: no setting changed");
  return out;
}

}  // namespace clara::daemon
