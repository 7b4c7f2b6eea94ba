#include "daemon/engine/routing.hpp"

#include <algorithm>
#include <cmath>

namespace clara::daemon {

TimedMessage apply_route(const InstrumentRoute& r, TimedMessage m) {
  m.port = static_cast<std::uint8_t>(r.output);
  if (m.msg.is_system()) return m;  // MIDI Clock and transport: no channel to set
  const int type = m.msg.type();
  m.msg.status = static_cast<std::uint8_t>(type | r.channel);
  if (type == 0x80 || type == 0x90) {
    int key = m.msg.data1;
    while (key < r.note_low) key += 12;
    while (key > r.note_high) key -= 12;
    m.msg.data1 = static_cast<std::uint8_t>(key);
    if (m.msg.is_note_on() && r.velocity_curve != 1.0) {
      const double v = 127.0 * std::pow(m.msg.data2 / 127.0, r.velocity_curve);
      m.msg.data2 = static_cast<std::uint8_t>(std::clamp(static_cast<int>(std::lround(v)), 1, 127));
    }
  }
  return m;
}

InstrumentRoute route_for(const std::vector<InstrumentRoute>& routes, const std::string& instrument) {
  for (const auto& r : routes)
    if (r.instrument == instrument) {
      InstrumentRoute found = r;
      return found;
    }
  InstrumentRoute fallback = routes.front();
  fallback.instrument = instrument;
  return fallback;
}

InstrumentRoute clara_route(const DaemonSettings& settings) {
  return route_for(effective_routes(settings), settings.duet.clara_prefix);
}

std::optional<TimedMessage> program_change(const InstrumentRoute& route, std::int64_t time_ns) {
  if (route.program < 0) return std::nullopt;
  return TimedMessage{
      time_ns, ShortMessage{static_cast<std::uint8_t>(0xC0 | route.channel), static_cast<std::uint8_t>(route.program), 0},
      static_cast<std::uint8_t>(route.output)};
}

void send_program_change(MidiBackend& backend, const InstrumentRoute& route) {
  if (const auto pc = program_change(route, backend.now_ns())) backend.push_output(*pc);
}

}  // namespace clara::daemon
