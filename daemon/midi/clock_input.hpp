#pragma once
// MIDI Clock and transport on the input port: the bytes both backends pass on to the
// tempo source (daemon/sync) besides channel messages. Timing Clock 0xF8, Start 0xFA,
// Continue 0xFB, Stop 0xFC (one byte each) and Song Position Pointer 0xF2 with its two data
// bytes; anything else (sysex, active sensing, a malformed pointer) is not taken.
#include <cstddef>
#include <cstdint>

#include "core/midi/short_message.hpp"

namespace clara::daemon {

// True when `bytes` are one clock or transport message; `out` then holds it. realtime-safe
inline bool clock_message(const unsigned char* bytes, std::size_t size, ShortMessage& out) {
  if (!bytes || size == 0) return false;
  const unsigned char s = bytes[0];
  if (size == 1 && (s == 0xF8 || s == 0xFA || s == 0xFB || s == 0xFC)) {
    out = ShortMessage{s, 0, 0};
    return true;
  }
  if (size == 3 && s == 0xF2 && bytes[1] < 0x80 && bytes[2] < 0x80) {
    out = ShortMessage{s, bytes[1], bytes[2]};
    return true;
  }
  return false;
}

}  // namespace clara::daemon
