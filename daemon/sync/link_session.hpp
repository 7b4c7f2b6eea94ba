#pragma once
// Clara in an Ableton Link session (Debian's ableton-link-dev): while one of these exists,
// clarad is a peer of the Link session on the local network, with start/stop sync on. Link
// discovers peers by UDP multicast (224.76.78.75:20808) on every network interface that is up and
// keeps its own threads (discovery, clock measurement) until this is destroyed; nothing else
// in clarad talks to the network for it. TempoSync creates one only while `link` is the source.
//
// Time: Link keeps its own clock (on Linux CLOCK_MONOTONIC_RAW, which NTP does not slew), and
// clarad's backends stamp messages with theirs: JACK's jack_get_time() (JACK 1.9.21 on Linux:
// CLOCK_MONOTONIC_RAW too), ALSA's CLOCK_MONOTONIC. The two Linux clocks run at rates that differ
// by NTP's slew (measured on the development VM: 249 ms apart after 29 minutes up, 140 ppm), so
// the session's times are mapped to the backend's clock by an offset measured at each capture
// (the backend's clock read between two reads of Link's), never by one offset taken at start.
// Other peers keep their own clocks; Link measures the offsets between peers itself.
//
// Threads: capture() and propose_tempo() use Link's audio-thread interface (lock-free, no
// allocation: realtime-safe) and must all come from one thread, the inference thread; the JACK
// process callback never calls into Link. Construction and destruction (joining and leaving the
// session) start and join Link's threads: not realtime-safe, done on the inference thread, which
// may block briefly.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace clara::daemon {

// The session as seen at one time: its timeline there (beat at time_ns, bar lines at multiples
// of the quantum given to capture()), its tempo, and its transport.
struct LinkState {
  double bpm = 120;
  double beat = 0;
  std::int64_t time_ns = 0;
  bool playing = false;
  std::size_t peers = 0;  // other peers in the session
};

// What TempoSync needs of a Link session: tests give it a fake (no network in unit tests).
// Times are on the host clock the session was joined with.
class LinkPort {
 public:
  virtual ~LinkPort() = default;
  virtual LinkState capture(std::int64_t now_ns, double quantum) = 0;
  virtual void propose_tempo(double bpm, std::int64_t now_ns) = 0;
};

// The clock clarad's messages are stamped with (MidiBackend::now_ns), ns. realtime-safe
using HostClock = std::function<std::int64_t()>;

// Joins the session (or starts one at `bpm`, when alone). std::runtime_error in a build without
// Link (CLARA_WITH_LINK=OFF), where the config loader refuses the source before this is reached.
std::unique_ptr<LinkPort> join_link_session(double bpm, HostClock host);
// False in a build without Link: the `link` source is then refused by name.
bool link_built();

}  // namespace clara::daemon
