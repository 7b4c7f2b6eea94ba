#pragma once
// [sync]: where the duet grid's tempo comes from (docs/sync.md).
//   internal    the grid runs at [duet] tempo (and /clara/tempo): Clara is the time keeper
//   midi-clock  a MIDI Clock master on the input port (24 ppqn, Start/Stop/Continue/SPP)
//   follow      the human's own tempo, tracked from their note-ons (starting from [duet] tempo)
//   link        an Ableton Link session (daemon/sync/link_session.hpp; off unless chosen)
#include <optional>
#include <string>
#include <string_view>

namespace clara::daemon {

struct SyncSettings {
  std::string source = "internal";
};

// nullopt for a source clarad can use; otherwise why not (unknown, or not built yet).
std::optional<std::string> tempo_source_refusal(std::string_view source);

}  // namespace clara::daemon
