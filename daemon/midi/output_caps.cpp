#include "daemon/midi/output_caps.hpp"

#include <algorithm>

namespace clara::daemon {

OutputCaps::OutputCaps(std::span<const OutputPortSettings> ports)
    : port_count_(static_cast<int>(std::min<std::size_t>(ports.size(), kMaxPorts))) {
  for (int p = 0; p < port_count_; ++p) {
    const auto& s = ports[static_cast<std::size_t>(p)];
    ports_[static_cast<std::size_t>(p)].max_note_ns =
        s.max_note_ms > 0 ? static_cast<std::int64_t>(s.max_note_ms) * 1'000'000 : 0;
    ports_[static_cast<std::size_t>(p)].max_polyphony = std::max(s.max_polyphony, 0);
  }
}

OutputCaps::Verdict OutputCaps::admit(const TimedMessage& m) {
  if (m.port >= port_count_) return Verdict::drop;
  const ShortMessage msg = m.msg;
  if (!msg.is_note_on() && !msg.is_note_off()) return Verdict::write;
  PortState& port = ports_[m.port];
  KeyTrack& k = port.keys[static_cast<std::size_t>(msg.channel() * 128 + (msg.data1 & 0x7F))];
  const auto outstanding = static_cast<std::uint16_t>(k.on_seq - k.off_seq);

  if (msg.is_note_off()) {
    // FIFO pairing, as synthesisers pair them: this off belongs to the oldest
    // note-on of the key still open upstream. Its fate decides this one's.
    if (outstanding == 0) return Verdict::swallow;  // nothing of ours to end
    const std::uint16_t seq = k.off_seq++;
    const NoteState s = state_of(k, seq);
    set_state(k, seq, kNone);
    if (s != kSounding) return Verdict::swallow;  // dropped at the cap, or already ended by force
    --port.sounding;
    return Verdict::write;
  }

  if (outstanding >= kDepth) return Verdict::drop;  // cannot be tracked: never sounds
  const std::uint16_t seq = k.on_seq++;
  const bool over_polyphony = port.max_polyphony > 0 && port.sounding >= port.max_polyphony;
  // A note whose forced end could not be held must not start at all.
  const bool no_room_for_end = port.max_note_ns > 0 && forced_.full();
  if (over_polyphony || no_room_for_end) {
    set_state(k, seq, kDropped);
    return Verdict::drop;
  }
  if (port.max_note_ns > 0)
    forced_.insert(ForcedOff{m.time_ns + port.max_note_ns, m.port,
                             static_cast<std::uint8_t>(msg.channel()),
                             static_cast<std::uint8_t>(msg.data1 & 0x7F), seq});
  set_state(k, seq, kSounding);
  ++port.sounding;
  return Verdict::write;
}

bool OutputCaps::admit_forced(const ForcedOff& f) {
  PortState& port = ports_[f.port];
  KeyTrack& k = port.keys[static_cast<std::size_t>(f.channel * 128 + f.key)];
  const auto outstanding = static_cast<std::uint16_t>(k.on_seq - k.off_seq);
  const auto index = static_cast<std::uint16_t>(f.seq - k.off_seq);
  if (index >= outstanding || state_of(k, f.seq) != kSounding) return false;  // ended upstream
  set_state(k, f.seq, kEnded);
  --port.sounding;
  return true;
}

void OutputCaps::unwrite_note_on(const TimedMessage& m) {
  if (m.port >= port_count_ || !m.msg.is_note_on()) return;
  PortState& port = ports_[m.port];
  KeyTrack& k = port.keys[static_cast<std::size_t>(m.msg.channel() * 128 + (m.msg.data1 & 0x7F))];
  if (k.on_seq == k.off_seq) return;
  const auto seq = static_cast<std::uint16_t>(k.on_seq - 1);  // admitted just now: the newest
  if (state_of(k, seq) != kSounding) return;
  set_state(k, seq, kDropped);
  --port.sounding;
}

void OutputCaps::reset() {
  forced_.clear();
  // Note-offs still on their way for notes the panic ended find no open
  // note-on and are swallowed.
  for (int p = 0; p < port_count_; ++p) {
    PortState& port = ports_[static_cast<std::size_t>(p)];
    port.sounding = 0;
    port.keys.fill(KeyTrack{});
  }
}

}  // namespace clara::daemon
