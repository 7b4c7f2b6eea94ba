#include "core/midi/note_ledger.hpp"

namespace clara {

bool NoteLedger::record(int port, ShortMessage m) {
  if (port < 0 || port >= kMaxPorts) return false;
  Port& p = ports_[static_cast<std::size_t>(port)];
  const int type = m.status & 0xF0, ch = m.status & 0x0F;
  if (type < 0x80 || type > 0xE0) return true;  // not a channel message: nothing to track
  p.used_channels = static_cast<std::uint16_t>(p.used_channels | (1u << ch));
  const bool on = type == 0x90 && m.data2 > 0;
  const bool off = type == 0x80 || (type == 0x90 && m.data2 == 0);
  if (!on && !off) return true;
  auto& d = p.depth[static_cast<std::size_t>(ch * 128 + (m.data1 & 0x7F))];
  if (on) {
    if (d == 0) ++p.sounding;
    if (d < 255) ++d;
  } else if (d > 0) {
    if (--d == 0) --p.sounding;
  }
  return true;
}

int NoteLedger::depth(int port, int channel, int key) const {
  if (port < 0 || port >= kMaxPorts || channel < 0 || channel > 15 || key < 0 || key > 127) return 0;
  return ports_[static_cast<std::size_t>(port)].depth[static_cast<std::size_t>(channel * 128 + key)];
}

int NoteLedger::sounding(int port) const {
  return port < 0 || port >= kMaxPorts ? 0 : ports_[static_cast<std::size_t>(port)].sounding;
}

bool NoteLedger::channel_used(int port, int channel) const {
  if (port < 0 || port >= kMaxPorts || channel < 0 || channel > 15) return false;
  return (ports_[static_cast<std::size_t>(port)].used_channels >> channel) & 1u;
}

}  // namespace clara
