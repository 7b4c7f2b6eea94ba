#include "daemon/config/settings.hpp"

#include <cstdlib>

namespace clara::daemon {

void DaemonSettings::validate() const {
  if (backend != "jack" && backend != "alsa")
    throw SettingsError("backend '" + backend + "': use jack or alsa");
  if (threads < 1 || threads > 64) throw SettingsError("model threads " + std::to_string(threads) + ": use 1..64");
  if (midi.outputs.empty()) throw SettingsError("midi: at least one output port is needed");
  for (const auto& r : routes) {
    if (r.output < 0 || r.output >= static_cast<int>(midi.outputs.size()))
      throw SettingsError("route for '" + r.instrument + "': output " + std::to_string(r.output) +
                          " does not exist (" + std::to_string(midi.outputs.size()) + " output ports)");
    if (r.channel < 0 || r.channel > 15)
      throw SettingsError("route for '" + r.instrument + "': channel must be 1..16");
    if (r.program < -1 || r.program > 127)
      throw SettingsError("route for '" + r.instrument + "': program must be 0..127");
    if (!(r.velocity_curve >= 0.1 && r.velocity_curve <= 10))
      throw SettingsError("route for '" + r.instrument + "': velocity_curve must be in 0.1..10");
    if (r.note_low < 0 || r.note_high > 127 || r.note_high - r.note_low < 11)
      throw SettingsError("route for '" + r.instrument + "': note range must lie in 0..127 and span an octave");
  }
  if (!(tokens_per_step_budget > 0)) throw SettingsError("tokens_per_step_budget must be > 0");
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
