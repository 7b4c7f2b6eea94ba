#pragma once
// What a tempo source other than the grid's own tempo (daemon/sync: MIDI Clock, Ableton Link,
// following the human) does on the inference thread. The inference thread calls
// it; it never calls the engine itself: what it wants done comes back as typed commands,
// applied (and recorded in the session) like any other control.
#include <cstdint>
#include <string>
#include <vector>

#include "core/duet/duet_engine.hpp"
#include "core/midi/timed_message.hpp"
#include "daemon/engine/control_command.hpp"

namespace clara::daemon {

class TempoSourceHook {
 public:
  virtual ~TempoSourceHook() = default;
  // One input message before the engine sees it: true when it is the source's (clock and
  // transport), kept out of the model's context and the session's human track.
  virtual bool input(const TimedMessage& m) = 0;
  // Once per inference tick, after the engine advanced: the commands to apply now
  // (SetTempo at the frontier, StopPlaying, StartPlaying).
  virtual void tick(const DuetEngine& engine, std::int64_t now_ns, std::vector<ControlCommand>& commands) = 0;
  // A SetSync reached its bar line (already validated).
  virtual void switch_to(const std::string& source, std::int64_t now_ns, std::vector<ControlCommand>& commands) = 0;
  // A tempo a control asked for (/clara/tempo, a CC): true when the source takes it instead of
  // the grid (Link proposes it to the session, and the grid follows the session if it takes it).
  virtual bool propose_tempo(double /*bpm*/, std::int64_t /*now_ns*/) { return false; }
};

}  // namespace clara::daemon
