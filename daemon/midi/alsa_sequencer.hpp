#pragma once
// The few things the ALSA backend's hot-plug needs of the kernel's MIDI sequencer, behind an
// interface so that the following logic (alsa_port_follower) is tested without one: this build
// machine and CI runners have no /dev/snd/seq. The real one (open_alsa_sequencer) is a client of
// its own that listens to the system's announce port, as aconnect and qjackctl do, and connects
// other clients' ports to clarad's virtual ports by subscription, the way `aconnect A B` does; a
// subscription goes with its port, so a port that vanishes needs no clean-up.
// Never used on a real-time thread.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace clara::daemon {

struct SeqAddress {
  int client = -1, port = -1;
  bool operator==(const SeqAddress&) const = default;
};

struct SeqPort {
  SeqAddress address;
  std::string client_name, port_name;
  bool source = false;       // others may subscribe to read from it (a keyboard, clarad's "Clara Out")
  bool destination = false;  // others may subscribe to write to it (a synth, clarad's "Clara In")
  // As RtMidi lists ALSA ports and the connect patterns are written against:
  // "client name:port name client:port".
  std::string full_name() const {
    return client_name + ":" + port_name + " " + std::to_string(address.client) + ":" + std::to_string(address.port);
  }
};

// What the announcements since the last wait said.
struct SeqChange {
  bool any = false;   // a client or port started, ended or changed
  bool gone = false;  // among them, a port or client that ended
};

class Sequencer {
 public:
  virtual ~Sequencer() = default;
  // Every port of every client but the system's and this one's own.
  virtual std::vector<SeqPort> ports() = 0;
  virtual bool subscribed(SeqAddress from, SeqAddress to) = 0;
  // Connects `from` to `to`; "" when done (or already so), else why not.
  virtual std::string subscribe(SeqAddress from, SeqAddress to) = 0;
  // Disconnects them; "" when done (or not connected), else why not.
  virtual std::string unsubscribe(SeqAddress from, SeqAddress to) = 0;
  // The ports connected to `port`: those it sends to (`readers`), else those sending to it.
  virtual std::vector<SeqAddress> connections(SeqAddress port, bool readers) = 0;
  // Waits up to `timeout` for announcements, and says what they were.
  virtual SeqChange wait(std::chrono::milliseconds timeout) = 0;
};

// A sequencer client named `client_name` listening to announcements. Throws BackendError naming
// what failed (no /dev/snd/seq, no permission).
std::unique_ptr<Sequencer> open_alsa_sequencer(const std::string& client_name);

}  // namespace clara::daemon
