#pragma once
// /clara/metrics: what the daemon counts while it plays, read from any thread.
#include <chrono>

#include "daemon/control/control_state.hpp"
#include "daemon/engine/duet_thread.hpp"
#include "daemon/midi/midi_backend.hpp"

namespace clara::daemon {

// Inference tick work p50/p99, reaction p50/p99, late and dropped events, queue
// refusals, rollbacks, stalls, uptime: the keys docs/osc.md lists.
KeyValues live_metrics(const DuetThread& duet, const MidiBackend& backend,
                       std::chrono::steady_clock::time_point started);
// /clara/ranking: solo ranking's counters (phrases ranked, fallbacks, the last ranked phrase's
// P(human)). Apart from /clara/metrics, whose reply is at OSC's 64-argument limit.
KeyValues ranking_metrics(const DuetThread& duet);

}  // namespace clara::daemon
