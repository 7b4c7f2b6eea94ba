#pragma once
// The configured backend, made and started: its ports exist when this returns.
#include <memory>
#include <string_view>

#include "daemon/midi/midi_backend.hpp"

namespace clara::daemon {
// `kind` is "jack" or "alsa"; BackendError naming the server, port or kind otherwise.
std::unique_ptr<MidiBackend> open_backend(std::string_view kind, const BackendSettings& settings);
}  // namespace clara::daemon
