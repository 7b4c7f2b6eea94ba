#pragma once
// A MIDI channel message of up to three bytes: the unit every queue, ledger and
// port in Clara carries. Trivially copyable so it fits lock-free queues.
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
};

}  // namespace clara
