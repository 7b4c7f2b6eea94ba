#pragma once
// [sync]: where the duet grid's tempo comes from (docs/sync.md).
//   internal    the grid runs at [duet] tempo (and /clara/tempo): Clara is the time keeper
//   midi-clock  a MIDI Clock master on the input port (24 ppqn, Start/Stop/Continue/SPP)
//   follow      the human's own tempo, tracked from their note-ons (starting from [duet] tempo)
//   link        an Ableton Link session (daemon/sync/link_session.hpp; off unless chosen)
// and `clock_out`: whether Clara sends MIDI Clock on her output port.
#include <optional>
#include <string>
#include <string_view>

namespace clara::daemon {

struct SyncSettings {
  std::string source = "internal";
  // Clara as MIDI Clock master on her output port (clock, Start, Stop: docs/sync.md); works with
  // any source, so that a drum machine follows her grid however it is driven.
  bool clock_out = false;
  // A click on Clara's output port, channel 10, on every beat of her grid (the bar's first beat
  // accented), for those who play to her time; on and off live (/clara/metronome).
  bool metronome = false;
  // Bars of click before Clara joins in (0..16): she listens through them whatever the mode,
  // and the click sounds through them whether or not the metronome is on.
  int count_in_bars = 0;
};

// nullopt for a source clarad can use; otherwise why not (unknown, or not built yet).
std::optional<std::string> tempo_source_refusal(std::string_view source);

}  // namespace clara::daemon
