#include "daemon/midi/port_list.hpp"

#include <jack/jack.h>

#include <RtMidi.h>

#include <memory>
#include <sstream>

#include "daemon/midi/port_patterns.hpp"

namespace clara::daemon {
namespace {

void quiet(const char*) {}

bool own(const std::string& name, const std::string& client) { return name.rfind(client + ":", 0) == 0; }

std::vector<std::string> jack_ports(jack_client_t* client, unsigned long flags, const std::string& own_client) {
  std::vector<std::string> names;
  if (const char** ports = jack_get_ports(client, nullptr, JACK_DEFAULT_MIDI_TYPE, flags)) {
    for (const char** p = ports; *p; ++p)
      if (!own(*p, own_client)) names.emplace_back(*p);
    jack_free(ports);
  }
  return names;
}

PortListing list_jack(const BackendSettings& s) {
  // libjack prints to stderr when no server runs; the error below says it better.
  jack_set_error_function(quiet);
  jack_set_info_function(quiet);
  int options = JackNoStartServer;
  if (!s.jack_server.empty()) options |= JackServerName;
  jack_status_t status{};
  jack_client_t* client =
      jack_client_open("clara-list-ports", static_cast<jack_options_t>(options), &status, s.jack_server.c_str());
  if (!client)
    throw BackendError("no JACK server '" + (s.jack_server.empty() ? std::string("default") : s.jack_server) +
                       "' running: start one (jackd, QjackCtl, PipeWire's JACK) or list ALSA's with --backend alsa");
  PortListing l;
  // A port that outputs MIDI is one Clara can read from, and the other way round.
  l.sources = jack_ports(client, JackPortIsOutput, s.client_name);
  l.destinations = jack_ports(client, JackPortIsInput, s.client_name);
  jack_client_close(client);
  return l;
}

template <class Port>
std::vector<std::string> alsa_ports(const std::string& client_name) {
  std::vector<std::string> names;
  Port port(RtMidi::LINUX_ALSA, "clara-list-ports");
  for (unsigned i = 0, n = port.getPortCount(); i < n; ++i) {
    const std::string name = port.getPortName(i);
    if (!own(name, client_name) && name.rfind("clara-list-ports:", 0) != 0) names.push_back(name);
  }
  return names;
}

PortListing list_alsa(const BackendSettings& s) {
  try {
    return PortListing{alsa_ports<RtMidiIn>(s.client_name), alsa_ports<RtMidiOut>(s.client_name)};
  } catch (const RtMidiError& e) {
    throw BackendError("the ALSA sequencer does not answer (" + e.getMessage() +
                       "): is snd-seq loaded (/dev/snd/seq)?");
  }
}

}  // namespace

PortListing list_midi_ports(const std::string& backend, const BackendSettings& settings) {
  return backend == "alsa" ? list_alsa(settings) : list_jack(settings);
}

std::string describe_port_listing(const std::string& backend, const PortListing& ports,
                                  const BackendSettings& settings) {
  struct Named {
    std::string setting, pattern;
    PortPatterns matcher;
    bool used = false;
  };
  auto named = [](const std::string& setting, const std::vector<std::string>& patterns) {
    std::vector<Named> v;
    for (std::size_t i = 0; i < patterns.size(); ++i)
      v.push_back(Named{setting + "[" + std::to_string(i) + "]", patterns[i],
                        PortPatterns(setting + "[" + std::to_string(i) + "]", {patterns[i]})});
    return v;
  };
  std::vector<Named> in = named("connect_input", settings.connect_input), out;
  for (std::size_t o = 0; o < settings.outputs.size(); ++o) {
    auto v = named("midi.output[" + std::to_string(o) + "].connect", settings.outputs[o].connect);
    for (auto& n : v) out.push_back(std::move(n));
  }
  std::ostringstream text;
  auto section = [&](const char* title, const std::vector<std::string>& names, std::vector<Named>& patterns) {
    text << title << (names.empty() ? " none\n" : "\n");
    for (const auto& name : names) {
      text << "  " << name;
      std::string by;
      for (auto& p : patterns)
        if (p.matcher.matches(name)) {
          by += (by.empty() ? "" : ", ") + p.setting + " '" + p.pattern + "'";
          p.used = true;
        }
      if (!by.empty()) text << "    <- connected by " << by;
      text << "\n";
    }
  };
  text << "MIDI ports on " << (backend == "alsa" ? "the ALSA sequencer" : "JACK")
       << " (Clara's own left out). A pattern with none of . * + ? ^ $ ( ) [ ] { } | \\ is a name, matched as\n"
          "a whole word; any other is a regex searched in the name.\n";
  section("Clara can listen to (--connect-in, connect_input):", ports.sources, in);
  section("Clara can play to (--connect-out, [[midi.output]] connect):", ports.destinations, out);
  for (const auto* list : {&in, &out})
    for (const auto& p : *list)
      if (!p.used) text << "no port matches " << p.setting << " '" << p.pattern << "'\n";
  return text.str();
}

}  // namespace clara::daemon
