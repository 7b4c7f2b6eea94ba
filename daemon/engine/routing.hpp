#pragma once
// Where Clara's instrument goes and how its messages are shaped on the way out.
#include <cstdint>
#include <optional>

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

// The route's program change due at `time_ns`; nothing when the route sets no program.
std::optional<TimedMessage> program_change(const InstrumentRoute& route, std::int64_t time_ns);
// The same, pushed straight to the backend now: at start-up only, before the inference thread
// (and its gate and recorder) run and while the queue is empty.
void send_program_change(MidiBackend& backend, const InstrumentRoute& route);

}  // namespace clara::daemon
