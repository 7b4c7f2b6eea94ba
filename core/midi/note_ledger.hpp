#pragma once
// Every note Clara has sounding, per output port, channel and key, so that no
// note is ever left hanging: on stop, mode or model change, disconnect or
// SIGTERM the daemon asks the ledger for the panic sequence (a note-off for each
// sounding note, then sustain off, all sound off and all notes off on every
// channel used) and sends it before the port closes.
// Fixed-size storage, no allocation, no locks: every member is realtime-safe,
// for use from the one thread that owns the output (the JACK process callback or
// the clock thread).
#include <array>
#include <cstdint>
#include <type_traits>

#include "core/midi/short_message.hpp"

namespace clara {

class NoteLedger {
 public:
  static constexpr int kMaxPorts = 8;

  // Feeds every channel message written to `port`; note-on with velocity 0
  // counts as a note-off. Returns false (and records nothing) for a port out
  // of range. realtime-safe.
  bool record(int port, ShortMessage m);

  // How many note-ons of this key are not yet matched by a note-off. realtime-safe.
  int depth(int port, int channel, int key) const;
  int sounding(int port) const;  // keys with depth > 0 on the port. realtime-safe.
  bool channel_used(int port, int channel) const;

  // Calls sink(ShortMessage) for the panic sequence of `port`: a note-off for
  // every sounding key (as many as its depth), then CC64 0, CC123 0, CC120 0 on
  // every channel used since the last panic (or on `extra_channels`, a bit mask,
  // used at start-up to recover from a crash). Leaves the port silent and empty.
  // The sink may return bool: false means the message was not written (a full
  // port buffer). The ledger then keeps what is still owed (that note, the
  // notes after it and the channels not yet reset, `extra_channels` included),
  // so that it keeps agreeing with the synthesiser, and returns false; calling
  // panic again later writes the rest. Returns true once the sequence is out.
  // realtime-safe when the sink is.
  template <typename Sink>
  bool panic(int port, Sink&& sink, std::uint16_t extra_channels = 0);

 private:
  struct Port {
    std::array<std::uint8_t, 16 * 128> depth{};
    std::uint16_t used_channels = 0;
    int sounding = 0;
    // A panic cut short in the middle of a channel's reset: where it goes on.
    int reset_channel = -1;
    int reset_step = 0;
  };
  std::array<Port, kMaxPorts> ports_{};
};

template <typename Sink>
bool NoteLedger::panic(int port, Sink&& sink, std::uint16_t extra_channels) {
  if (port < 0 || port >= kMaxPorts) return true;
  Port& p = ports_[static_cast<std::size_t>(port)];
  // Remembered in the ledger, so that a panic cut short still resets them next time.
  p.used_channels = static_cast<std::uint16_t>(p.used_channels | extra_channels);
  auto write = [&](ShortMessage m) -> bool {
    if constexpr (std::is_void_v<std::invoke_result_t<Sink&, ShortMessage>>) {
      sink(m);
      return true;
    } else {
      return static_cast<bool>(sink(m));
    }
  };
  for (int ch = 0; ch < 16; ++ch)
    for (int key = 0; key < 128; ++key) {
      auto& d = p.depth[static_cast<std::size_t>(ch * 128 + key)];
      for (; d > 0; --d) {
        if (!write(ShortMessage{static_cast<std::uint8_t>(0x80 | ch), static_cast<std::uint8_t>(key), 0}))
          return false;
        if (d == 1) --p.sounding;
      }
    }
  // Sustain pedal up (or notes ring on), all notes off, all sound off; a
  // channel counts as reset only when all three are out.
  constexpr std::uint8_t kReset[3] = {64, 123, 120};
  for (int ch = 0; ch < 16; ++ch) {
    if (!(p.used_channels & (1u << ch))) continue;
    const auto cc = static_cast<std::uint8_t>(0xB0 | ch);
    for (int step = ch == p.reset_channel ? p.reset_step : 0; step < 3; ++step)
      if (!write(ShortMessage{cc, kReset[step], 0})) {
        p.reset_channel = ch;
        p.reset_step = step;
        return false;
      }
    p.reset_channel = -1;
    p.used_channels = static_cast<std::uint16_t>(p.used_channels & ~(1u << ch));
  }
  p.sounding = 0;
  return true;
}

}  // namespace clara
