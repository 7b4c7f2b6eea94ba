#include "daemon/midi/output_gate.hpp"

namespace clara::daemon {

OutputGate::OutputGate() : keys_(static_cast<std::size_t>(kMaxPorts) * 16 * 128) {}

OutputGate::KeyTrack& OutputGate::track(const TimedMessage& m) {
  // Ports beyond the gate's range share the last one's tracks: the backend
  // drops their messages anyway, and pairing stays first in, first out.
  const std::size_t port = m.port < kMaxPorts ? m.port : kMaxPorts - 1;
  return keys_[(port * 16 + static_cast<std::size_t>(m.msg.channel())) * 128 + (m.msg.data1 & 0x7F)];
}

void OutputGate::note_on(KeyTrack& k, bool went_out) {
  if (static_cast<std::uint16_t>(k.on_seq - k.off_seq) >= kDepth) return;  // refused before the push
  const std::uint32_t bit = 1u << (k.on_seq % kDepth);
  k.refused = went_out ? (k.refused & ~bit) : (k.refused | bit);
  ++k.on_seq;
}

bool OutputGate::note_off_wanted(const TimedMessage& m) {
  KeyTrack& k = track(m);
  if (k.on_seq == k.off_seq) return true;
  const std::uint32_t bit = 1u << (k.off_seq % kDepth);
  ++k.off_seq;
  return (k.refused & bit) == 0;
}

}  // namespace clara::daemon
