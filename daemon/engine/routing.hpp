#pragma once
// Where Clara's instrument goes and how its messages are shaped on the way out.
#include "core/midi/timed_message.hpp"
#include "daemon/config/settings.hpp"
#include "daemon/midi/midi_backend.hpp"

namespace clara::daemon {

// Shapes one of Clara's messages for its route: port, channel, note range, velocity curve.
TimedMessage apply_route(const InstrumentRoute& route, TimedMessage m);

// The route of `instrument` (the first route when none names it); `routes` is not empty.
InstrumentRoute route_for(const std::vector<InstrumentRoute>& routes, const std::string& instrument);
// The route of Clara's instrument.
InstrumentRoute clara_route(const DaemonSettings& settings);

// The route's program change, sent now; nothing when the route sets no program.
void send_program_change(MidiBackend& backend, const InstrumentRoute& route);

}  // namespace clara::daemon
