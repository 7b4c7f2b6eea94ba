#pragma once
// A MIDI message of up to three bytes (a channel message, or a system common or real-time one
// such as MIDI Clock): the unit every queue, ledger and port in Clara carries. Trivially
// copyable so it fits lock-free queues.
#include <cstdint>

namespace clara {

struct ShortMessage {
  std::uint8_t status = 0, data1 = 0, data2 = 0;
  bool operator==(const ShortMessage&) const = default;

  int channel() const { return status & 0x0F; }
  int type() const { return status & 0xF0; }
  bool is_note_on() const { return type() == 0x90 && data2 > 0; }
  // Note-on with velocity 0 is a note-off (running-status keyboards send it).
  bool is_note_off() const { return type() == 0x80 || (type() == 0x90 && data2 == 0); }
  bool is_control(int number) const { return type() == 0xB0 && data1 == number; }
  // System messages (clock, start, stop, song position) belong to no channel.
  bool is_system() const { return status >= 0xF0; }
  // Bytes on the wire: 1 for real-time messages (clock, start, continue, stop), 2 for program
  // change, channel pressure, MTC quarter frame and song select, 3 for the rest.
  unsigned size() const {
    if (status >= 0xF4) return 1;
    if (status == 0xF1 || status == 0xF3) return 2;
    if (status == 0xF2) return 3;
    return type() == 0xC0 || type() == 0xD0 ? 2 : 3;
  }
};

}  // namespace clara
