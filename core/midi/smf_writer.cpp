// Score -> type-1 Standard MIDI File bytes.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/midi/midi_file.hpp"

namespace clara {
namespace {

constexpr std::uint32_t kMaxDelta = 0x0FFFFFFF;  // largest 4-byte VLQ

void check(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("write_midi: " + what);
}

class TrackWriter {
 public:
  void event_time(std::uint64_t tick) {
    // A gap too long for one delta is bridged with empty text metas, which
    // every reader skips.
    while (tick - now_ > kMaxDelta) {
      vlq(kMaxDelta);
      bytes_.insert(bytes_.end(), {0xFF, 0x01, 0x00});
      now_ += kMaxDelta;
      running_ = 0;
    }
    vlq(static_cast<std::uint32_t>(tick - now_));
    now_ = tick;
  }
  void channel(std::uint64_t tick, std::uint8_t status, std::uint8_t d1) {
    event_time(tick);
    put_status(status);
    bytes_.push_back(d1);
  }
  void channel(std::uint64_t tick, std::uint8_t status, std::uint8_t d1, std::uint8_t d2) {
    channel(tick, status, d1);
    bytes_.push_back(d2);
  }
  void meta(std::uint64_t tick, std::uint8_t type, const std::uint8_t* data, std::size_t n) {
    event_time(tick);
    bytes_.push_back(0xFF);
    bytes_.push_back(type);
    vlq(static_cast<std::uint32_t>(n));
    bytes_.insert(bytes_.end(), data, data + n);
    // Some readers cancel running status after a meta; be safe for them.
    running_ = 0;
  }
  void end_of_track(std::uint64_t tick) { meta(std::max(tick, now_), 0x2F, nullptr, 0); }

  void append_chunk(std::vector<std::uint8_t>& out) const {
    out.insert(out.end(), {'M', 'T', 'r', 'k'});
    check(bytes_.size() <= 0xFFFFFFFFu, "track longer than 4 GiB");
    const auto n = static_cast<std::uint32_t>(bytes_.size());
    out.insert(out.end(), {static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                           static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
    out.insert(out.end(), bytes_.begin(), bytes_.end());
  }
  void reserve(std::size_t n) { bytes_.reserve(n); }

 private:
  void put_status(std::uint8_t status) {
    if (status != running_) bytes_.push_back(status);
    running_ = status;
  }
  void vlq(std::uint32_t v) {
    std::uint8_t buf[4];
    int n = 0;
    buf[n++] = v & 0x7F;
    while (v >>= 7) buf[n++] = static_cast<std::uint8_t>(0x80 | (v & 0x7F));
    while (n > 0) bytes_.push_back(buf[--n]);
  }

  std::vector<std::uint8_t> bytes_;
  std::uint64_t now_ = 0;
  std::uint8_t running_ = 0;
};

std::uint64_t to_tick(double quarter, int tpq, const char* what) {
  check(std::isfinite(quarter) && quarter >= 0.0 && quarter <= kMaxMidiQuarters,
        std::string(what) + " " + std::to_string(quarter) + " is not in 0.." +
            std::to_string(static_cast<long long>(kMaxMidiQuarters)) + " quarter notes");
  return static_cast<std::uint64_t>(std::llround(quarter * tpq));
}

struct NoteEvent {
  std::uint64_t tick;
  // At one tick: note-offs of earlier notes first, then note-ons, then the
  // offs of zero-length notes (which must follow their own on).
  int order;
  std::uint8_t pitch;
  std::uint8_t velocity;
  std::size_t seq;  // index of the note: same-pitch notes keep their order (FIFO)
};

}  // namespace

std::vector<std::uint8_t> write_midi(const Score& score, const WriteOptions& options) {
  const int tpq = options.ticks_per_quarter;
  check(tpq >= 1 && tpq <= 0x7FFF, "ticks_per_quarter " + std::to_string(tpq) + " is not in 1..32767");
  check(score.parts.size() < 0xFFFF, "too many parts for one MIDI file");

  std::vector<std::uint8_t> out;
  out.insert(out.end(), {'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 1});
  const auto tracks = static_cast<std::uint16_t>(score.parts.size() + 1);
  out.insert(out.end(), {static_cast<std::uint8_t>(tracks >> 8), static_cast<std::uint8_t>(tracks),
                         static_cast<std::uint8_t>(tpq >> 8), static_cast<std::uint8_t>(tpq)});

  // Track 0: the conductor track.
  {
    struct MetaEvent {
      std::uint64_t tick;
      std::uint8_t type;
      std::uint8_t data[4];
      std::uint8_t size;
      std::size_t seq;
    };
    std::vector<MetaEvent> metas;
    metas.reserve(score.tempo_map.size() + score.time_signatures.size());
    for (const TempoChange& t : score.tempo_map) {
      check(std::isfinite(t.bpm) && t.bpm > 0.0, "tempo " + std::to_string(t.bpm) + " bpm");
      const double usec = std::round(60'000'000.0 / t.bpm);
      check(usec >= 1.0 && usec <= 0xFFFFFF, "tempo " + std::to_string(t.bpm) +
                                                 " bpm does not fit a tempo meta event");
      const auto u = static_cast<std::uint32_t>(usec);
      metas.push_back({to_tick(t.quarter, tpq, "tempo position"), 0x51,
                       {static_cast<std::uint8_t>(u >> 16), static_cast<std::uint8_t>(u >> 8),
                        static_cast<std::uint8_t>(u), 0},
                       3, metas.size()});
    }
    for (const TimeSignature& s : score.time_signatures) {
      check(s.numerator >= 1 && s.numerator <= 255,
            "time signature numerator " + std::to_string(s.numerator));
      int log2 = 0;
      while (log2 < 8 && (1 << log2) < s.denominator) ++log2;
      check(s.denominator >= 1 && log2 < 8 && (1 << log2) == s.denominator,
            "time signature denominator " + std::to_string(s.denominator) +
                " is not a power of two up to 128");
      metas.push_back({to_tick(s.quarter, tpq, "time signature position"), 0x58,
                       {static_cast<std::uint8_t>(s.numerator), static_cast<std::uint8_t>(log2), 24, 8},
                       4, metas.size()});
    }
    // Not std::stable_sort: see the note on `seq` in smf_reader.cpp.
    std::sort(metas.begin(), metas.end(), [](const MetaEvent& a, const MetaEvent& b) {
      return a.tick != b.tick ? a.tick < b.tick : a.seq < b.seq;
    });
    TrackWriter conductor;
    std::uint64_t last = 0;
    for (const MetaEvent& m : metas) {
      conductor.meta(m.tick, m.type, m.data, m.size);
      last = m.tick;
    }
    conductor.end_of_track(last);
    conductor.append_chunk(out);
  }

  std::vector<NoteEvent> events;
  for (std::size_t i = 0; i < score.parts.size(); ++i) {
    const Part& part = score.parts[i];
    const std::string where = "part " + std::to_string(i) + ": ";
    check(part.channel >= 0 && part.channel <= 15, where + "channel " + std::to_string(part.channel));
    check(part.name.size() <= kMaxDelta, where + "name too long");
    check(part.program >= 0 && part.program <= 127, where + "program " + std::to_string(part.program));
    events.clear();
    events.reserve(part.notes.size() * 2);
    for (std::size_t k = 0; k < part.notes.size(); ++k) {
      const Note& n = part.notes[k];
      check(n.pitch >= 0 && n.pitch <= 127, where + "pitch " + std::to_string(n.pitch));
      check(n.velocity >= 1 && n.velocity <= 127, where + "velocity " + std::to_string(n.velocity));
      const std::uint64_t on = to_tick(n.start, tpq, "note start");
      const std::uint64_t off = to_tick(n.end, tpq, "note end");
      check(off >= on, where + "note ends before it starts");
      const auto pitch = static_cast<std::uint8_t>(n.pitch);
      events.push_back({on, 1, pitch, static_cast<std::uint8_t>(n.velocity), k});
      events.push_back({off, off == on ? 2 : 0, pitch, 64, k});
    }
    std::sort(events.begin(), events.end(), [](const NoteEvent& a, const NoteEvent& b) {
      if (a.tick != b.tick) return a.tick < b.tick;
      if (a.order != b.order) return a.order < b.order;
      if (a.pitch != b.pitch) return a.pitch < b.pitch;
      return a.seq < b.seq;
    });

    TrackWriter track;
    track.reserve(events.size() * 3 + part.name.size() + 16);
    if (!part.name.empty())
      track.meta(0, 0x03, reinterpret_cast<const std::uint8_t*>(part.name.data()), part.name.size());
    const auto ch = static_cast<std::uint8_t>(part.channel);
    track.channel(0, static_cast<std::uint8_t>(0xC0 | ch), static_cast<std::uint8_t>(part.program));
    for (const NoteEvent& e : events) {
      if (e.order == 1)
        track.channel(e.tick, static_cast<std::uint8_t>(0x90 | ch), e.pitch, e.velocity);
      else
        track.channel(e.tick, static_cast<std::uint8_t>(0x80 | ch), e.pitch, e.velocity);
    }
    track.end_of_track(events.empty() ? 0 : events.back().tick);
    track.append_chunk(out);
  }
  return out;
}

}  // namespace clara
