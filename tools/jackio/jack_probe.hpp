#pragma once
// A plain JACK client with one MIDI output ("out") and one MIDI input ("in"):
// it plays a list of timed messages into whatever "out" is connected to, each at
// its exact frame, and records everything arriving on "in" with its absolute
// frame and that frame's time. It stands in for a person at a keyboard and a
// synth listening, so the daemon can be driven and measured end to end.
#include <jack/jack.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/midi/timed_message.hpp"
#include "tools/jackio/probe_events.hpp"

namespace clara::jackio {

class JackProbeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class JackProbe {
 public:
  // Opens and activates the client on `server` (empty: the default server);
  // never starts a server. Throws JackProbeError saying what is wrong.
  JackProbe(const std::string& server, const std::string& client_name);
  ~JackProbe();
  JackProbe(const JackProbe&) = delete;
  JackProbe& operator=(const JackProbe&) = delete;

  std::string input_port() const;   // full name, e.g. "clara-probe:in"
  std::string output_port() const;  // "clara-probe:out"
  std::uint32_t sample_rate() const;
  std::uint32_t frame_time() const;  // the current frame, estimated
  // Connects two ports by full name (either may be ours); already connected is fine.
  void connect(const std::string& from, const std::string& to);

  // Plays `messages` (time_ns from the start, sorted) with time 0 at start_frame;
  // each goes at start_frame + round(time_ns * rate / 1e9). Once per probe.
  void play(const std::vector<TimedMessage>& messages, std::uint32_t start_frame);
  bool play_done() const;
  // What was played so far / recorded so far, since the last call.
  std::vector<ProbeEvent> take_played();
  std::vector<ProbeEvent> take_recorded();
  std::uint64_t dropped() const;  // recorded or played events lost to full queues

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace clara::jackio
