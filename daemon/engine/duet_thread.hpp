#pragma once
// The inference thread: owns the model (through the engine), takes the human's
// messages from the backend's input queue, and keeps Clara's continuation
// committed ahead of the clock into the output queue. It wakes every
// millisecond on an absolute deadline, so its error never accumulates. It is
// not a real-time thread: it may allocate and log; the output side never waits
// on it.
#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/duet/duet_engine.hpp"
#include "daemon/midi/midi_backend.hpp"
#include "daemon/session/session_recorder.hpp"
#include "daemon/config/settings.hpp"
#include "daemon/engine/control_command.hpp"
#include "daemon/engine/routing.hpp"

namespace clara::daemon {

class DuetThread {
 public:
  DuetThread(MidiBackend& backend, DuetEngine& engine, SessionRecorder* recorder, InstrumentRoute route);
  ~DuetThread();

  void start();
  // A control from any thread, validated here: a refused command returns why and
  // never reaches the engine; an accepted one applies at the inference thread's next tick.
  std::optional<std::string> submit(const ControlCommand& command);
  // Ends Clara's notes (note-offs into the output queue) and joins. Idempotent.
  void stop();

  // Set when the model path failed: the daemon keeps its ports and stays silent.
  std::optional<std::string> failure() const;
  std::vector<std::int64_t> reactions_ns() const;  // one per answer
  std::uint64_t output_queue_full() const { return queue_full_.load(); }

 private:
  void run();
  void emit(std::vector<TimedMessage>& out);
  void apply(const ControlCommand& command, std::vector<TimedMessage>& out);

  MidiBackend& backend_;
  DuetEngine& engine_;
  SessionRecorder* recorder_;
  InstrumentRoute route_;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<std::uint64_t> queue_full_{0};

  mutable std::mutex mutex_;  // guards the fields below (never taken on a real-time path)
  std::deque<ControlCommand> controls_;  // accepted, not yet applied
  std::optional<std::string> failure_;
  std::vector<std::int64_t> reactions_;
};

}  // namespace clara::daemon
