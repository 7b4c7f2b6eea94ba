#pragma once
// The daemon's view of a MIDI system: timestamped input from the human, output
// written at the moment each message is due, and a panic that always gets out.
// Two implementations: JACK (output written from the process callback at the
// frame it is due) and ALSA through RtMidi (a real-time clock thread sleeping to
// absolute deadlines). Both own a NoteLedger on their real-time side.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/midi/timed_message.hpp"
#include "daemon/midi/sounding_journal.hpp"

namespace clara::daemon {

class BackendError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OutputPortSettings {
  std::string name = "midi_out";         // JACK short name; ALSA: virtual port "Clara Out"
  std::vector<std::string> connect;      // regexes of destination ports to connect to
  int max_note_ms = 8000;                // 0 = off; longer notes are ended at output
  int max_polyphony = 16;                // 0 = off; note-ons beyond it are dropped (and their offs)
};

struct BackendSettings {
  std::string client_name = "clara";
  std::string input_name = "midi_in";    // ALSA: "Clara In"
  std::vector<std::string> connect_input;  // regexes of source ports to connect from
  std::vector<OutputPortSettings> outputs{OutputPortSettings{}};
  std::uint16_t startup_panic_channels = 0xFFFF;  // CC64/123/120 sent on these at start
  std::string jack_server;               // empty: default server
  // Every note-on and note-off written goes here too (the crash ledger's journal); may be null.
  SoundingJournal* journal = nullptr;
  // And every one the inference thread pushes, as it is pushed (a grid step or more before it is
  // written): the crash ledger lists a note from then on, so that a kill in the few milliseconds
  // between a note-on's write and the ledger's next write does not leave it out. May be null.
  SoundingJournal* commit_journal = nullptr;
  // Notes a crashed run left sounding: the start-up panic ends each with a note-off first.
  std::vector<SoundingNote> left_sounding;
  // JACK: when the server goes away, wait for it and re-open the client (true), or report the
  // loss (connected() false, recovering() false) so that clarad exits 69.
  bool reconnect = true;
};

// Figures the real-time side counts with atomics; read from any thread.
struct OutputStats {
  std::uint64_t messages = 0;
  std::uint64_t late = 0;                // written after their due frame/moment
  // The late ones by cause (onset_stats.hpp): committed after the cycle that was to write them
  // had run (the inference thread was late); due in a gap between cycles or ticks (the real-time
  // side was late: an xrun, a JACK cycle or clock tick that came late); written on a retry after
  // a full port buffer. late == late_commit + late_cycle + late_retry.
  std::uint64_t late_commit = 0, late_cycle = 0, late_retry = 0;
  std::int64_t max_late_ns = 0;
  std::int64_t onset_error_p99_ns = 0;   // |written - due|, from a fixed histogram
  std::int64_t onset_error_max_ns = 0;
  std::uint64_t dropped = 0;             // beyond a cap, or for a port not configured
  // Note-ons refused above the high-water mark of the output queue or of the
  // pending buffer (their note-offs are swallowed: nothing is left hanging).
  std::uint64_t refused_note_ons = 0;
  // Note-offs (and sustain-off, all-notes-off, all-sound-off) whose port write
  // failed, written again first in the next cycle.
  std::uint64_t retried_note_offs = 0;
  // Other messages whose port write failed: lost (a note-on among them never
  // sounded and is not in the ledger).
  std::uint64_t write_failed = 0;
  // JACK: the playback latency after the output ports (the most of them) and the capture latency
  // before the input port, as the graph reports them. Output is written that much before it is
  // due, and input stamped that much earlier than it arrived, so that the onset figures and the
  // human's timing are those of the sound. ALSA: 0 (the sequencer reports none).
  std::int64_t output_latency_ns = 0, input_latency_ns = 0;
  std::uint64_t input_messages = 0;
  std::uint64_t input_dropped = 0;
  // The most messages each queue ever held, and what it can hold: how close a burst came to
  // dropping input, or to refusing Clara's note-ons (the output queue's last quarter is kept
  // for note-offs).
  std::uint64_t input_queue_high_water = 0, input_queue_capacity = 0;
  std::uint64_t output_queue_high_water = 0, output_queue_capacity = 0;
};

class MidiBackend {
 public:
  virtual ~MidiBackend() = default;
  virtual std::string_view kind() const = 0;  // "jack" or "alsa"

  // Activates, connects ports by regex, sends the start-up panic.
  virtual void start() = 0;
  // Panic on every output port (note-off for each sounding note, then CC64 0,
  // CC123, CC120 on every channel used), waits until it is out (bounded, 200 ms),
  // then closes. Idempotent.
  virtual void stop() = 0;

  // The clock TimedMessage times are on, in ns (JACK: jack_get_time()).
  virtual std::int64_t now_ns() const = 0;
  // Granularity of output: the JACK period, or the ALSA clock thread's tick.
  virtual std::int64_t period_ns() const = 0;

  // Single consumer (the inference thread). Times are when the message arrived.
  virtual bool pop_input(TimedMessage& m) = 0;
  // Single producer (the inference thread); time_ns = due time. False when
  // not taken: a note-on above the queue's high-water mark (refused for good:
  // do not send its note-off), or anything else when the queue is full (push
  // it again later: the queue keeps room for note-offs, so that is rare).
  virtual bool push_output(const TimedMessage& m) = 0;
  // Ends everything sounding on every output port at the next cycle (mode or
  // model change): drops queued-but-unsent output and sends the panic.
  virtual void request_panic() = 0;
  // True once every panic requested so far has been written.
  virtual bool panic_done() const = 0;

  virtual OutputStats stats() const = 0;
  virtual bool connected() const = 0;  // false after the server went away
  // True while the server is away and the backend waits for it to return (JACK re-opens its
  // client, re-registers its ports and reconnects them): the daemon keeps its state and plays on.
  virtual bool recovering() const { return false; }
  // Output cycles run so far (JACK process callbacks, ALSA clock wake-ups), a relaxed atomic
  // increment on the real-time side: the service watchdog's sign that output is alive. One
  // that does not count reports 0, which the watchdog reads as stalled. Any thread.
  virtual std::uint64_t cycles() const { return 0; }
  // What the ports connect to, replaced while playing (a reload that changed connect_input or an
  // output's connect): one pattern list for the input, one per output port, as at start. The
  // connections the old patterns made and the new ones do not match go (an output's only after
  // a panic on it, so nothing is left sounding on a synth it leaves); what the new ones match is
  // connected. nullopt = accepted (applied within the watcher's next ticks), else why not (a
  // malformed pattern, another number of outputs, a backend that connects at start only).
  virtual std::optional<std::string> set_connections(const std::vector<std::string>& input,
                                                     const std::vector<std::vector<std::string>>& outputs) {
    (void)input, (void)outputs;
    return std::string("the ") + std::string(kind()) + " backend connects its ports at start only";
  }
  // The output ports' short names, replaced while playing (a reload that changed an output's
  // name): one per output port, in order. Their connections stay. nullopt = accepted (renamed
  // within the watcher's next tick, and logged), else why not (another number of outputs, a name
  // empty, repeated, the input's or too long, a backend that names its ports at start only).
  virtual std::optional<std::string> rename_outputs(const std::vector<std::string>& names) {
    (void)names;
    return std::string("the ") + std::string(kind()) + " backend names its ports at start only";
  }
};

std::unique_ptr<MidiBackend> make_jack_backend(const BackendSettings& settings);
std::unique_ptr<MidiBackend> make_alsa_backend(const BackendSettings& settings);

}  // namespace clara::daemon
