#pragma once
// The inference thread: owns the model (through the engine), takes the human's
// messages from the backend's input queue, and keeps Clara's continuation
// committed ahead of the clock into the output queue. It wakes every
// millisecond on an absolute deadline, so its error never accumulates. It is
// not a real-time thread: it may allocate and log; the output side never waits
// on it.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/duet/duet_engine.hpp"
#include "core/tempo/clock_ticks.hpp"
#include "daemon/midi/midi_backend.hpp"
#include "daemon/midi/output_gate.hpp"
#include "daemon/session/session_recorder.hpp"
#include "daemon/config/settings.hpp"
#include "daemon/engine/command_sink.hpp"
#include "daemon/engine/routing.hpp"
#include "daemon/engine/tempo_source.hpp"

namespace clara::daemon {

class DuetThread : public CommandSink {
 public:
  DuetThread(MidiBackend& backend, DuetEngine& engine, SessionRecorder* recorder, InstrumentRoute route);
  // With a route per instrument: Clara's messages follow her instrument's route when
  // SetInstruments changes it (its program change is sent then).
  DuetThread(MidiBackend& backend, DuetEngine& engine, SessionRecorder* recorder, std::vector<InstrumentRoute> routes);
  ~DuetThread() override;

  void start();
  // A control from any thread, validated here: a refused command returns why and
  // never reaches the engine; an accepted one applies at the inference thread's next tick
  // once the backend clock reaches `due_ns` (0: now), and with `on_bar_line` at the first
  // bar line from then (mode and model changes land on the downbeat).
  std::optional<std::string> submit(const ControlCommand& command, std::int64_t due_ns = 0,
                                    bool on_bar_line = false) override;
  std::optional<std::string> check(const ControlCommand& command) const override;
  // Sees each of the human's messages before the engine: true keeps it out of the model's
  // context and the session (a mapped controller knob). Runs on the inference thread; set
  // before start().
  void set_input_filter(std::function<bool(const TimedMessage&)> filter) { input_filter_ = std::move(filter); }
  // The tempo source (daemon/sync) sees input first and steers the grid each tick; it must
  // outlive the thread. Set before start().
  void set_tempo_source(TempoSourceHook* source) { tempo_source_ = source; }
  // Clara as MIDI Clock master: Start before the grid's step 0, 24 clock ticks a quarter on her
  // grid (its tempo changes and stalls included: core/tempo/clock_ticks.hpp), committed with her
  // notes so the output side writes each at its frame, and Stop when she stops; on her
  // instrument's output port. Set before start().
  void set_clock_out(bool on);
  // A click on her output port, channel 10, on each beat of her grid (a high wood block on the
  // bar's first beat, a low one on the others), while `metronome` is on (SetMetronome turns it on
  // and off live); and `count_in_bars` bars of it from step 0, through which she listens whatever
  // her mode. Neither goes into the model's context or the session. Set before start().
  void set_metronome(bool metronome, int count_in_bars);
  // Joins, then ends Clara's notes (note-offs into the output queue, and whatever the gate
  // still held, waiting up to kStopDrain for room) so that the session records them. Idempotent.
  void stop();

  // Set when the model path failed: the daemon keeps its ports and stays silent.
  std::optional<std::string> failure() const;
  std::vector<std::int64_t> reactions_ns() const;  // one per answer
  // The engine's counters as of the last tick, and the work time of a tick (model steps,
  // rollbacks, output), from any thread: for /clara/metrics.
  DuetStats stats() const;
  struct TickTimes { double p50_us = 0, p99_us = 0, max_us = 0; std::uint64_t ticks = 0; };
  TickTimes tick_times() const;
  std::uint64_t output_queue_full() const { return queue_full_.load(); }
  // Note-ons not handed to the output (the queue above its high-water mark, or
  // note-offs still waiting); their note-offs are not sent and not recorded.
  std::uint64_t refused_note_ons() const { return refused_note_ons_.load(); }
  // Note-offs (and controllers) that found the output queue full and were pushed on a later tick.
  std::uint64_t retried_note_offs() const { return retried_note_offs_.load(); }
  // Loop iterations of the inference thread so far (the silent ones after a model failure
  // too): the service watchdog's sign that it is alive. Any thread.
  std::uint64_t ticks() const { return ticks_.load(std::memory_order_relaxed); }

 private:
  struct PendingControl {
    ControlCommand command;
    std::int64_t due_ns = 0;
    bool on_bar_line = false;
  };
  void run();
  void emit(std::vector<TimedMessage>& out);
  void apply(const ControlCommand& command, std::vector<TimedMessage>& out);
  bool due(const PendingControl& c, std::int64_t now_ns) const;
  void end_claras_notes(std::vector<TimedMessage>& out);
  void send_program(std::vector<TimedMessage>& out);
  void send_clock(std::vector<TimedMessage>& aux);
  void send_clicks(std::vector<TimedMessage>& aux);
  void end_count_in(std::vector<TimedMessage>& out);
  // Clock and clicks: to her port as they are (no route, no note folding) and never recorded.
  void emit_aux(std::vector<TimedMessage>& aux);
  // One push to the backend's output queue; a full queue is counted (both gates use it).
  bool push_counted(const TimedMessage& m);
  void apply_swap(const SwapModel& swap);
  // How long stop() keeps offering held messages to a full queue.
  static constexpr std::chrono::milliseconds kStopDrain{500};
  std::function<bool(const TimedMessage&)> input_filter_;
  TempoSourceHook* tempo_source_ = nullptr;
  std::vector<ControlCommand> source_commands_;  // what the tempo source asked for this tick

  MidiBackend& backend_;
  DuetEngine& engine_;
  SessionRecorder* recorder_;
  std::vector<InstrumentRoute> routes_;
  InstrumentRoute route_;            // Clara's instrument's, from routes_
  std::optional<DuetMode> resume_mode_;  // the mode StopPlaying left, for StartPlaying
  std::shared_ptr<TokenModel> model_;    // the model a swap put in (null: the one the engine began with)
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<std::uint64_t> queue_full_{0};
  OutputGate gate_;  // only emit() uses it, on whichever thread runs the duet
  std::optional<ClockTicks> clock_ticks_;  // set: Clara sends MIDI Clock
  bool clock_started_ = false;
  std::vector<std::int64_t> tick_times_;
  OutputGate aux_gate_;  // what emit_aux() sends: a full queue holds a click's note-off as any other
  std::vector<TimedMessage> aux_;
  bool metronome_ = false;
  std::int64_t count_in_steps_ = 0;       // the count-in ends at this step
  std::int64_t next_click_beat_ = 0;      // the next beat (quarter note) to click or pass
  std::optional<DuetMode> count_in_mode_;  // the mode she takes up when the count-in ends
  static constexpr std::int64_t kClickNs = 30'000'000;
  std::atomic<std::uint64_t> refused_note_ons_{0}, retried_note_offs_{0};
  std::atomic<std::uint64_t> ticks_{0};

  mutable std::mutex mutex_;  // guards the fields below (never taken on a real-time path)
  std::deque<PendingControl> controls_;  // accepted, not yet applied, in order of arrival
  std::optional<std::string> failure_;
  std::vector<std::int64_t> reactions_;
  DuetStats stats_;
  // Tick work times in 10 µs buckets up to 100 ms (the last bucket holds the rest).
  std::vector<std::uint64_t> tick_buckets_ = std::vector<std::uint64_t>(10000, 0);
  double tick_max_us_ = 0;
};

}  // namespace clara::daemon
