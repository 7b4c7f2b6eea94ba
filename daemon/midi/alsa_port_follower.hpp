#pragma once
// Hot-plug for the ALSA backend: connects the ports that the connect patterns match to clarad's
// virtual ports ("Clara In", "Clara Out", ...) as they appear, reports each one that vanishes once,
// and connects it again when it returns, as the JACK backend does with JACK's port registrations.
// The bookkeeping is PortWatch's; this adds what is ALSA's: ports found by client and port name,
// sources for the input and destinations for the outputs, clarad's own clients skipped (RtMidi
// opens one client for each of its ports, all with clarad's client name).
// On the backend's watcher thread, never a real-time one.
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/midi/alsa_sequencer.hpp"
#include "daemon/midi/port_patterns.hpp"
#include "daemon/midi/port_watch.hpp"

namespace clara::daemon {

class AlsaPortFollower {
 public:
  // `client_name`: the ALSA client name clarad's ports are under; `input_port` and `output_ports`
  // their port names. The patterns must outlive this.
  AlsaPortFollower(Sequencer& sequencer, std::string client_name, std::string input_port,
                   const PortPatterns& input_patterns, std::vector<std::string> output_ports,
                   const std::vector<PortPatterns>& output_patterns);

  struct Result {
    int connected = 0;        // subscriptions made
    bool new_output = false;  // one of them reaches an output: a synth that may hold a note (panic)
    bool own_ports_missing = false;  // clarad's virtual ports are not (yet) on the sequencer
  };
  // Lists the ports and connects what the patterns match and is not connected yet. `gone`: a port
  // or client ended since the last scan (SeqChange::gone), so connections are checked as well.
  // Logs what it connects, what vanished and a pattern that matches nothing at first.
  Result scan(bool gone);
  // A refused subscription is tried again at the next scan; this says whether one waits.
  bool retry_pending() const;

  // A reload with new patterns: the connections of clarad's ports that the current patterns
  // match and the new ones do not, which go (connections made by hand stay).
  struct Leave {
    SeqAddress from, to;
    std::string from_name, to_name;
    bool output = false;  // clarad's output to a synth: a panic first
  };
  std::vector<Leave> leaving(const PortPatterns& input, const std::vector<PortPatterns>& outputs);
  // The patterns were replaced in place: every matching port is connected anew where it is not.
  void forget_all();

 private:
  // clarad's own ports' addresses, in own_names_'s order, from a listing; none for one not there.
  std::vector<std::optional<SeqAddress>> own_addresses(const std::vector<SeqPort>& all) const;

  Sequencer* sequencer_;
  std::string client_name_;
  const PortPatterns* input_patterns_;
  const std::vector<PortPatterns>* output_patterns_;
  std::vector<std::string> own_names_;  // [0] the input, then the outputs
  std::vector<PortWatch> watches_;      // the same order
  std::set<std::string> refused_;       // refused subscriptions already reported
};

}  // namespace clara::daemon
