#include "daemon/config/settings.hpp"

#include <cstdlib>
#include <sstream>

#include "daemon/config/setting_limits.hpp"

namespace clara::daemon {

namespace {

// "duet.answer_bars 65: must be in 1..64"; the key as the config file names it.
[[noreturn]] void out_of_range(const std::string& key, const std::string& value, const std::string& range) {
  throw SettingsError(key + " " + value + ": must be in " + range);
}

void check(const std::string& key, std::int64_t v, const IntRange& r) {
  if (!r.contains(v)) out_of_range(key, std::to_string(v), r.text());
}

void check(const std::string& key, double v, const RealRange& r) {
  if (!r.contains(v)) {
    std::ostringstream os;
    os << v;
    out_of_range(key, os.str(), r.text());
  }
}

}  // namespace

void DaemonSettings::validate() const {
  validate_values();
  control.check_exposure();
}

void DaemonSettings::validate_values() const {
  if (auto why = tempo_source_refusal(sync.source)) throw SettingsError("sync.source: " + *why);
  if (backend != "jack" && backend != "alsa")
    throw SettingsError("backend '" + backend + "': use jack or alsa");
  check("model.threads", threads, limits::threads);
  if (precision != "fp32" && precision != "int8" && precision != "auto")
    throw SettingsError("model.precision '" + precision + "': use fp32, int8 or auto");
  if (device != "cpu" && device != "cuda" && device != "auto")
    throw SettingsError("model.device '" + device + "': use cpu, cuda or auto");
  check("model.tokens_per_step_budget", tokens_per_step_budget, limits::tokens_per_step_budget);
  check("duet.tempo", duet.bpm, limits::tempo);
  check("duet.answer_silence_beats", duet.answer_silence_beats, limits::answer_silence_beats);
  check("duet.answer_bars", duet.answer_bars, limits::answer_bars);
  check("duet.beats_per_bar", duet.beats_per_bar, limits::beats_per_bar);
  check("duet.lookahead_beats", lookahead_beats, limits::lookahead_beats);
  check("duet.commit_steps", duet.commit_steps, limits::commit_steps);
  check("duet.velocity", duet.fixed_velocity, limits::velocity);
  check("solo.candidates", solo.candidates, limits::solo_candidates);
  if (solo.critic.empty()) throw SettingsError("solo.critic: must name a critic (a folder, or a name under models/)");
  check("Clara's channel (--channel)", std::int64_t{duet.clara_channel} + 1, limits::channel);
  if (midi.outputs.empty()) throw SettingsError("midi: at least one output port is needed");
  check("midi.output count", static_cast<std::int64_t>(midi.outputs.size()), limits::outputs);
  for (std::size_t i = 0; i < midi.outputs.size(); ++i) {
    const std::string where = "midi.output[" + std::to_string(i) + "]";
    check(where + ".max_note_ms", midi.outputs[i].max_note_ms, limits::max_note_ms);
    check(where + ".max_polyphony", midi.outputs[i].max_polyphony, limits::max_polyphony);
  }
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const InstrumentRoute& r = routes[i];
    const std::string where = "route for '" + r.instrument + "': ";
    for (std::size_t j = 0; j < i; ++j)
      if (routes[j].instrument == r.instrument)
        throw SettingsError(where + "given twice (route[" + std::to_string(j) + "] and route[" + std::to_string(i) +
                            "]): one route per instrument");
    if (r.output < 0 || r.output >= static_cast<int>(midi.outputs.size()))
      throw SettingsError(where + "output " + std::to_string(r.output) + " does not exist: must be in 0.." +
                          std::to_string(midi.outputs.size() - 1) + " (" + std::to_string(midi.outputs.size()) +
                          " output ports)");
    check(where + "channel", std::int64_t{r.channel} + 1, limits::channel);
    check(where + "program", r.program, limits::program);
    check(where + "velocity_curve", r.velocity_curve, limits::velocity_curve);
    check(where + "note_low", r.note_low, limits::note);
    check(where + "note_high", r.note_high, limits::note);
    if (r.note_high - r.note_low < limits::min_note_span)
      throw SettingsError(where + "note_low..note_high " + std::to_string(r.note_low) + ".." +
                          std::to_string(r.note_high) + ": must span an octave (note_high - note_low >= " +
                          std::to_string(limits::min_note_span) + ")");
  }
  for (std::size_t i = 0; i < cc.size(); ++i)
    if (const auto problem = cc_binding_problem(cc[i]))
      throw SettingsError("cc[" + std::to_string(i) + "]." + problem->key + ": " + problem->why);
  if (const auto pair = first_cc_overlap(cc))
    throw SettingsError("cc[" + std::to_string(pair->second) + "]: controller " +
                        std::to_string(cc[pair->second].controller) + " is already bound by cc[" +
                        std::to_string(pair->first) + "] on an overlapping channel");
  control.validate();
}

std::filesystem::path DaemonSettings::effective_sessions_dir() const {
  if (!sessions_dir.empty()) return sessions_dir;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::filesystem::path(x) / "clara" / "sessions";
  if (const char* h = std::getenv("HOME"); h && *h)
    return std::filesystem::path(h) / ".local" / "share" / "clara" / "sessions";
  return std::filesystem::current_path() / "clara-sessions";
}

std::vector<InstrumentRoute> effective_routes(const DaemonSettings& s) {
  std::vector<InstrumentRoute> routes = s.routes;
  bool has_clara = false;
  for (const auto& r : routes) has_clara |= r.instrument == s.duet.clara_prefix;
  if (!has_clara) {
    InstrumentRoute r;
    r.instrument = s.duet.clara_prefix;
    r.channel = s.duet.clara_channel;
    routes.push_back(r);
  }
  return routes;
}

}  // namespace clara::daemon
