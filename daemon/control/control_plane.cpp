#include "daemon/control/control_plane.hpp"

#include <cmath>

#include "daemon/control/live_metrics.hpp"
#include "daemon/log/logger.hpp"
#include "daemon/service/startup_error.hpp"
#include "daemon/engine/routing.hpp"

namespace clara::daemon {

ControlState initial_control_state(const DaemonSettings& settings, const std::string& model_name,
                                   const EncodingSpec& spec, std::string_view backend) {
  ControlState s;
  s.model = model_name;
  s.encoding = std::string(to_string(spec.encoding));
  for (const auto& e : spec.parts.entries) {
    s.instruments.push_back(e.prefix);
    s.instrument_names.push_back(e.name);
  }
  const DuetConfig& d = settings.duet;
  s.mode = d.mode;
  s.bpm = d.bpm;
  s.sync = settings.sync.source;
  s.metronome = settings.sync.metronome;
  s.phrasing = d.phrasing();
  s.meter_numerator = d.beats_per_bar;
  s.meter_denominator = 4;
  s.sampler = d.sampler;
  s.velocity = d.fixed_velocity;
  s.human_instrument = d.human_prefix;
  s.clara_instrument = d.clara_prefix;
  s.routes = effective_routes(settings);
  s.backend = std::string(backend);
  if (settings.solo.candidates > 1)
    s.solo_ranking = "best of " + std::to_string(settings.solo.candidates) + " by " + settings.solo.critic;
  return s;
}

std::optional<std::string> apply_cc(ControlHub& hub, const CcAction& action) {
  if (const auto* set = std::get_if<CcSet>(&action)) {
    const std::string& c = set->control;
    const double v = set->value;
    return hub.edit([&](ControlState& s) {
      if (c == "temperature") s.sampler.temperature = v;
      else if (c == "random_freq") s.sampler.random_freq = v;
      else if (c == "top_p") s.sampler.top_p = v;
      else if (c == "answer_bars") s.phrasing.answer_bars = static_cast<int>(std::lround(v));
      else if (c == "velocity") s.velocity = static_cast<int>(std::lround(v));
      else if (c == "tempo") s.bpm = v;
      else if (c == "silence_beats") s.phrasing.answer_silence_beats = v;
    });
  }
  if (const auto* press = std::get_if<CcPress>(&action)) {
    const std::string& c = press->control;
    if (c == "panic") return hub.act(Panic{});
    if (c == "reset") return hub.act(ResetContext{});
    return hub.edit([&](ControlState& s) {
      if (c == "mode") {
        // answer → accompany → solo → listen → answer, as the modes are listed.
        s.mode = static_cast<DuetMode>((static_cast<int>(s.mode) + 1) % 4);
      } else if (c == "start_stop") {
        s.playing = !s.playing;
      }
    });
  }
  return std::nullopt;
}

OscServerConfig osc_server_config(const ControlSettings& c) {
  OscServerConfig o;
  o.bind = c.bind;
  o.udp_port = c.udp_port;
  o.tcp_port = c.tcp_port;
  o.framing = c.framing == OscFraming::size   ? osc::Framing::size_prefix
              : c.framing == OscFraming::slip ? osc::Framing::slip
                                              : osc::Framing::detect;
  o.token = c.token;
  o.max_tcp_connections = c.max_tcp_connections;
  o.idle_timeout_s = c.idle_timeout_s;
  o.max_subscribers = c.max_subscribers;
  o.tcp_buffer_bytes = static_cast<std::size_t>(c.tcp_buffer_bytes);
  o.auth_failures_per_s = c.auth_failures_per_s;
  return o;
}

ControlPlane::ControlPlane(const DaemonSettings& settings, DuetThread& duet, MidiBackend& backend,
                           ControlState initial, ControlHooks hooks)
    : now_ns_([&backend] { return backend.now_ns(); }), serving_(settings.control), cc_(settings.cc) {
  if (!hooks.metrics)
    hooks.metrics = [&duet, &backend, extra = hooks.model_metrics, started = std::chrono::steady_clock::now()] {
      KeyValues kv = live_metrics(duet, backend, started);
      if (extra)
        for (auto& e : extra()) kv.push_back(std::move(e));
      return kv;
    };
  if (!hooks.ranking) hooks.ranking = [&duet] { return ranking_metrics(duet); };
  hooks.learn = [this](const std::string& control) -> std::optional<std::string> {
    try {
      std::lock_guard lock(cc_mutex_);
      cc_.learn(control);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    log::notice("learning: move a controller on the input to bind it to %s", control.c_str());
    return std::nullopt;
  };
  hooks.connect = [&backend](const std::vector<std::string>& input,
                             const std::vector<std::vector<std::string>>& outputs) {
    return backend.set_connections(input, outputs);
  };
  hooks.rename_outputs = [&backend](const std::vector<std::string>& names) { return backend.rename_outputs(names); };
  hooks.replace_cc = [this](const std::vector<CcBinding>& bindings) {
    CcMap next(bindings);  // built outside the lock: the inference thread waits only for the swap
    std::lock_guard lock(cc_mutex_);
    cc_ = std::move(next);
  };
  hooks.rebind_osc = [this](const ControlSettings& next) { return rebind(next); };
  hub_ = std::make_unique<ControlHub>(duet, std::move(initial), std::move(hooks));
  if (!settings.control.learn.empty()) {
    if (auto why = hub_->hooks().learn(settings.control.learn)) throw SettingsError("control.learn: " + *why);
  }
  duet.set_input_filter([this](const TimedMessage& m) { return on_input(m); });
  if (settings.control.enabled()) server_ = std::make_unique<OscServer>(*hub_, osc_server_config(settings.control), now_ns_);
}

ControlPlane::~ControlPlane() { stop(); }

void ControlPlane::start() {
  if (!server_) {
    log::info("OSC control off (control.udp_port and control.tcp_port are 0)");
    return;
  }
  try {
    server_->start();
  } catch (const std::runtime_error& e) {
    throw StartupError(69, e.what());
  }
}

void ControlPlane::stop() {
  std::unique_ptr<OscServer> server;
  {
    std::lock_guard lock(server_mutex_);
    server = std::move(server_);
  }
  if (server) server->stop();  // outside the lock: stop() joins the OSC thread
}

std::optional<OscServerStats> ControlPlane::osc_stats() const {
  std::lock_guard lock(server_mutex_);
  if (!server_) return std::nullopt;
  return server_->stats();
}

std::unique_ptr<OscServer> ControlPlane::open_server(const ControlSettings& control) {
  if (!control.enabled()) return nullptr;
  auto server = std::make_unique<OscServer>(*hub_, osc_server_config(control), now_ns_);
  server->start();
  return server;
}

namespace {
std::string listening(const ControlSettings& c) {
  if (!c.enabled()) return "off";
  std::string at;
  for (const auto& b : c.bind) at += (at.empty() ? "" : ", ") + b;
  return "udp " + std::to_string(c.udp_port) + ", tcp " + std::to_string(c.tcp_port) + " on " + at;
}
}  // namespace

std::optional<std::string> ControlPlane::rebind(const ControlSettings& next) {
  // The old sockets close before the new ones bind: the same port, with another framing, token or
  // limit, is the common change. OSC is deaf for the moment between (a UDP packet then is lost).
  // Called from the main thread only (a reload); the lock covers the pointer, not the joins.
  std::unique_ptr<OscServer> old;
  {
    std::lock_guard lock(server_mutex_);
    old = std::move(server_);
  }
  if (old) old->stop();
  old.reset();
  std::unique_ptr<OscServer> now;
  std::optional<std::string> why;
  try {
    now = open_server(next);
    log::notice("OSC control: %s (was %s)", listening(next).c_str(), listening(serving_).c_str());
    serving_ = next;
  } catch (const std::runtime_error& e) {
    why = e.what();
    try {
      now = open_server(serving_);
    } catch (const std::runtime_error& again) {
      *why += "; and the sockets before could not be bound again, OSC control is off: " + std::string(again.what());
      log::error("OSC control off: %s", again.what());
    }
  }
  std::lock_guard lock(server_mutex_);
  server_ = std::move(now);
  return why;
}

bool ControlPlane::on_input(const TimedMessage& m) {
  std::optional<CcAction> action;
  bool consumed;
  {
    std::lock_guard lock(cc_mutex_);
    consumed = cc_.handle(m.msg, m.time_ns, action);
  }
  if (!action) return consumed;
  if (const auto* learned = std::get_if<CcLearned>(&*action)) {
    log::notice("learned: controller %d now moves %s; to keep it, add to clarad.toml:\n%s",
                learned->binding.controller, learned->binding.control.c_str(), learned->toml.c_str());
  } else if (auto why = apply_cc(*hub_, *action)) {
    log::warning("MIDI controller refused: %s", why->c_str());
  }
  return consumed;
}

}  // namespace clara::daemon
