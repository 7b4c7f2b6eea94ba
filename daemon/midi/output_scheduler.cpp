#include "daemon/midi/output_scheduler.hpp"

namespace clara::daemon {

OutputScheduler::OutputScheduler(std::span<const OutputPortSettings> ports,
                                 std::uint16_t startup_panic_channels)
    : port_count_(static_cast<int>(std::min<std::size_t>(ports.size(), kMaxPorts))),
      startup_channels_(startup_panic_channels) {
  for (int p = 0; p < port_count_; ++p) {
    const auto& s = ports[static_cast<std::size_t>(p)];
    ports_[static_cast<std::size_t>(p)].max_note_ns =
        s.max_note_ms > 0 ? static_cast<std::int64_t>(s.max_note_ms) * 1'000'000 : 0;
    ports_[static_cast<std::size_t>(p)].max_polyphony = std::max(s.max_polyphony, 0);
  }
}

bool OutputScheduler::accept(const TimedMessage& m) {
  if (pending_.insert(m)) return true;
  dropped_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

std::int64_t OutputScheduler::next_due_ns() const {
  std::int64_t t = std::numeric_limits<std::int64_t>::max();
  if (!pending_.empty()) t = pending_.front().time_ns;
  if (!forced_.empty()) t = std::min(t, forced_.front().time_ns);
  return t;
}

bool OutputScheduler::admit(const TimedMessage& m) {
  if (m.port >= port_count_) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  const ShortMessage msg = m.msg;
  if (!msg.is_note_on() && !msg.is_note_off()) return true;
  PortState& port = ports_[m.port];
  KeyTrack& k = port.keys[static_cast<std::size_t>(msg.channel() * 128 + (msg.data1 & 0x7F))];
  const auto outstanding = static_cast<std::uint16_t>(k.on_seq - k.off_seq);

  if (msg.is_note_off()) {
    // FIFO pairing, as synthesisers pair them: this off belongs to the oldest
    // note-on of the key still open upstream. Its fate decides this one's.
    if (outstanding == 0) return false;  // nothing of ours to end
    const std::uint16_t seq = k.off_seq++;
    const NoteState s = state_of(k, seq);
    set_state(k, seq, kNone);
    if (s != kSounding) return false;  // dropped at the cap, or already ended by force
    --port.sounding;
    return true;
  }

  if (outstanding >= kDepth) {  // cannot be tracked: never sounds
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  const std::uint16_t seq = k.on_seq++;
  const bool over_polyphony = port.max_polyphony > 0 && port.sounding >= port.max_polyphony;
  // A note whose forced end could not be held must not start at all.
  const bool no_room_for_end = port.max_note_ns > 0 && forced_.full();
  if (over_polyphony || no_room_for_end) {
    set_state(k, seq, kDropped);
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  if (port.max_note_ns > 0)
    forced_.insert(ForcedOff{m.time_ns + port.max_note_ns, m.port,
                             static_cast<std::uint8_t>(msg.channel()),
                             static_cast<std::uint8_t>(msg.data1 & 0x7F), seq});
  set_state(k, seq, kSounding);
  ++port.sounding;
  return true;
}

bool OutputScheduler::admit_forced(const ForcedOff& f) {
  PortState& port = ports_[f.port];
  KeyTrack& k = port.keys[static_cast<std::size_t>(f.channel * 128 + f.key)];
  const auto outstanding = static_cast<std::uint16_t>(k.on_seq - k.off_seq);
  const auto index = static_cast<std::uint16_t>(f.seq - k.off_seq);
  if (index >= outstanding || state_of(k, f.seq) != kSounding) return false;  // ended upstream
  set_state(k, f.seq, kEnded);
  --port.sounding;
  return true;
}

void OutputScheduler::reset_tracking() {
  // After a panic nothing of ours sounds; note-offs still on their way for
  // notes it ended find no open note-on and are swallowed.
  for (int p = 0; p < port_count_; ++p) {
    PortState& port = ports_[static_cast<std::size_t>(p)];
    port.sounding = 0;
    port.keys.fill(KeyTrack{});
  }
}

void OutputScheduler::record_written(std::int64_t due_ns, std::int64_t written_ns, bool late) {
  messages_.fetch_add(1, std::memory_order_relaxed);
  const std::int64_t error = written_ns >= due_ns ? written_ns - due_ns : due_ns - written_ns;
  if (late) {
    late_.fetch_add(1, std::memory_order_relaxed);
    if (written_ns - due_ns > max_late_ns_.load(std::memory_order_relaxed))
      max_late_ns_.store(written_ns - due_ns, std::memory_order_relaxed);
  }
  if (error > onset_max_ns_.load(std::memory_order_relaxed))
    onset_max_ns_.store(error, std::memory_order_relaxed);
  const auto bin = std::min<std::size_t>(static_cast<std::size_t>(error / 1000), kHistogramBins - 1);
  // One writer: a load and a store are enough, and cheaper than a locked add.
  histogram_[bin].store(histogram_[bin].load(std::memory_order_relaxed) + 1,
                        std::memory_order_relaxed);
}

OutputStats OutputScheduler::stats() const {
  OutputStats s;
  s.messages = messages_.load(std::memory_order_relaxed);
  s.late = late_.load(std::memory_order_relaxed);
  s.max_late_ns = max_late_ns_.load(std::memory_order_relaxed);
  s.onset_error_max_ns = onset_max_ns_.load(std::memory_order_relaxed);
  s.dropped = dropped_.load(std::memory_order_relaxed);
  std::array<std::uint64_t, kHistogramBins> counts{};
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < kHistogramBins; ++i)
    total += counts[i] = histogram_[i].load(std::memory_order_relaxed);
  if (total == 0) return s;
  const std::uint64_t rank = (total * 99 + 99) / 100;  // ceil(0.99 total)
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kHistogramBins; ++i) {
    seen += counts[i];
    if (seen < rank) continue;
    // The bin's upper edge: a bound, never an underestimate, except in the
    // open last bin where the true maximum is the bound.
    const auto edge = static_cast<std::int64_t>(i + 1) * 1000;
    s.onset_error_p99_ns = i + 1 == kHistogramBins ? s.onset_error_max_ns
                                                    : std::min(edge, s.onset_error_max_ns);
    break;
  }
  return s;
}

}  // namespace clara::daemon
