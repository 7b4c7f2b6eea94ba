#pragma once
// `clarad --list-ports`: the MIDI ports clarad could connect to on the backend it would use, and
// which of them its connect patterns (config `connect_input`, `[[midi.output]] connect`,
// --connect-in, --connect-out) would take, so that a user writes a pattern from what is there
// rather than guessing (and sees at once when one matches nothing).
#include <string>
#include <vector>

#include "daemon/midi/midi_backend.hpp"

namespace clara::daemon {

struct PortListing {
  std::vector<std::string> sources;       // ports whose messages Clara can take in (--connect-in)
  std::vector<std::string> destinations;  // ports Clara can play to (--connect-out)
};

// Asks the JACK server (settings.jack_server; never starts one) or the ALSA sequencer. Leaves
// out Clara's own ports (client settings.client_name). BackendError when neither answers.
PortListing list_midi_ports(const std::string& backend, const BackendSettings& settings);

// The listing as text: each port with the patterns that match it, then each pattern that
// matches none. BackendError for a malformed pattern, naming it.
std::string describe_port_listing(const std::string& backend, const PortListing& ports,
                                  const BackendSettings& settings);

}  // namespace clara::daemon
