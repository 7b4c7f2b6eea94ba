#include "daemon/midi/open_backend.hpp"

#include <string>

namespace clara::daemon {

std::unique_ptr<MidiBackend> open_backend(std::string_view kind, const BackendSettings& settings) {
  std::unique_ptr<MidiBackend> backend;
  if (kind == "jack")
    backend = make_jack_backend(settings);
  else if (kind == "alsa")
    backend = make_alsa_backend(settings);
  else
    throw BackendError("backend '" + std::string(kind) + "' is not jack or alsa");
  backend->start();
  return backend;
}

}  // namespace clara::daemon
