// Standard MIDI File parser: bytes -> Score.
// Works straight off the caller's span with a cursor that checks every read
// against the end of the current chunk, so a hostile length can make it stop
// with an error but never read or allocate past what the file holds.
#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "core/midi/midi_file.hpp"

namespace clara {
namespace {

constexpr std::uint8_t kMeta = 0xFF;
constexpr std::uint8_t kMetaTrackName = 0x03;
constexpr std::uint8_t kMetaEndOfTrack = 0x2F;
constexpr std::uint8_t kMetaTempo = 0x51;
constexpr std::uint8_t kMetaTimeSignature = 0x58;

std::string hex(unsigned v) {
  static const char* digits = "0123456789ABCDEF";
  std::string s = "0x";
  s += digits[(v >> 4) & 0xF];
  s += digits[v & 0xF];
  return s;
}

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

struct RawNote {
  std::uint64_t start;
  std::uint64_t end;
  int pitch;
  int velocity;
};

struct Sounding {
  std::uint64_t start;
  int velocity;
};

// The notes sounding on one key, oldest first. A note-off takes the oldest by moving `head`,
// so a file stacking n note-ons on one key reads in O(n), not O(n^2) as erase(begin()) did.
struct SoundingQueue {
  std::vector<Sounding> items;
  std::size_t head = 0;  // items before it are closed

  bool empty() const { return head == items.size(); }
  void push(const Sounding& s) { items.push_back(s); }
  Sounding pop() {
    const Sounding s = items[head++];
    if (empty()) clear();  // reuse the storage from the start once the key is silent
    return s;
  }
  std::span<const Sounding> open() const { return std::span(items).subspan(head); }
  void clear() {
    items.clear();
    head = 0;
  }
};

// `seq` is the order of reading: it breaks ties at one tick so that a plain
// std::sort is stable (std::stable_sort's temporary buffer trips a known
// ASan alloc/dealloc-mismatch false positive with clang 14 + libstdc++ 12).
struct TimedTempo {
  std::uint64_t tick;
  std::size_t seq;
  double bpm;
};
struct TimedSignature {
  std::uint64_t tick;
  std::size_t seq;
  int numerator;
  int denominator;
};

template <typename T>
bool by_tick(const T& a, const T& b) {
  return a.tick != b.tick ? a.tick < b.tick : a.seq < b.seq;
}

// Everything one track contributes; reused across tracks to avoid reallocating.
struct TrackState {
  std::array<std::vector<RawNote>, 16> notes;
  std::array<int, 16> program{};
  // Notes sounding, per channel*128+key, oldest first (note-offs are FIFO).
  std::array<SoundingQueue, 16 * 128> sounding;
  std::vector<int> touched_keys;  // indices of `sounding` that may be non-empty
  std::string name;
  bool has_name = false;

  void reset() {
    for (auto& n : notes) n.clear();
    program.fill(-1);
    for (int k : touched_keys) sounding[static_cast<std::size_t>(k)].clear();
    touched_keys.clear();
    name.clear();
    has_name = false;
  }
};

class Parser {
 public:
  explicit Parser(std::span<const std::uint8_t> bytes) : data_(bytes.data()), size_(bytes.size()) {}

  Score parse() {
    read_header();
    std::size_t pos = 8 + header_length_;
    int tracks_seen = 0;
    while (pos < size_) {
      if (size_ - pos < 8)
        throw MidiFileError(pos, "truncated chunk header (" + std::to_string(size_ - pos) +
                                     " bytes left, need 8)");
      const std::uint32_t length = be32(data_ + pos + 4);
      if (length > size_ - pos - 8)
        throw MidiFileError(pos + 4, "chunk length " + std::to_string(length) +
                                         " runs beyond the end of the file (" +
                                         std::to_string(size_ - pos - 8) + " bytes left)");
      // The SMF spec asks readers to skip chunk types they do not know.
      if (std::memcmp(data_ + pos, "MTrk", 4) == 0) {
        if (tracks_seen >= declared_tracks_)
          throw MidiFileError(10, "header declares " + std::to_string(declared_tracks_) +
                                      " tracks but the file has more MTrk chunks (extra one at byte " +
                                      std::to_string(pos) + ")");
        read_track(tracks_seen, pos + 8, pos + 8 + length);
        ++tracks_seen;
      }
      pos += 8 + std::size_t{length};
    }
    if (tracks_seen != declared_tracks_)
      throw MidiFileError(10, "header declares " + std::to_string(declared_tracks_) +
                                  " tracks but the file has " + std::to_string(tracks_seen) +
                                  " MTrk chunks");
    finish_maps();
    return std::move(score_);
  }

 private:
  void read_header() {
    if (size_ < 4 || std::memcmp(data_, "MThd", 4) != 0)
      throw MidiFileError(0, "not a Standard MIDI File (no MThd header chunk)");
    if (size_ < 8) throw MidiFileError(size_, "truncated header chunk");
    header_length_ = be32(data_ + 4);
    if (header_length_ < 6)
      throw MidiFileError(4, "header chunk length " + std::to_string(header_length_) +
                                 " is less than 6");
    if (header_length_ > size_ - 8)
      throw MidiFileError(4, "chunk length " + std::to_string(header_length_) +
                                 " runs beyond the end of the file (" + std::to_string(size_ - 8) +
                                 " bytes left)");
    const int format = be16(data_ + 8);
    if (format == 2)
      throw MidiFileError(8, "SMF format 2 (independent sequences) is not supported");
    if (format > 2) throw MidiFileError(8, "unknown SMF format " + std::to_string(format));
    declared_tracks_ = be16(data_ + 10);
    if (format == 0 && declared_tracks_ != 1)
      throw MidiFileError(10, "format 0 file declares " + std::to_string(declared_tracks_) +
                                  " tracks (must be 1)");
    const std::uint16_t division = be16(data_ + 12);
    if (division & 0x8000) {
      // SMPTE: the high byte is minus the frame rate, the low byte ticks per
      // frame. Quarters are taken at a nominal 120 bpm: 2 quarters per second.
      const int fps = -static_cast<int>(static_cast<std::int8_t>(division >> 8));
      const int per_frame = division & 0xFF;
      if (fps != 24 && fps != 25 && fps != 29 && fps != 30)
        throw MidiFileError(12, "SMPTE division with unknown frame rate " + std::to_string(fps));
      if (per_frame == 0) throw MidiFileError(12, "SMPTE division with 0 ticks per frame");
      const double rate = fps == 29 ? 29.97 : fps;
      ticks_per_quarter_ = rate * per_frame / 2.0;
    } else {
      if (division == 0) throw MidiFileError(12, "division is 0 ticks per quarter note");
      ticks_per_quarter_ = division;
    }
    max_tick_ = static_cast<std::uint64_t>(kMaxMidiQuarters * ticks_per_quarter_);
  }

  // Reads a variable-length quantity at `p` (< end), at most 4 bytes.
  std::uint32_t read_vlq(std::size_t& p, std::size_t end, const char* what) {
    const std::size_t start = p;
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      if (p >= end)
        throw MidiFileError(p, std::string("truncated variable-length ") + what +
                                   " at the end of the track");
      const std::uint8_t b = data_[p++];
      value = (value << 7) | (b & 0x7F);
      if (!(b & 0x80)) return value;
    }
    throw MidiFileError(start, std::string("variable-length ") + what + " longer than 4 bytes");
  }

  void read_track(int track, std::size_t begin, std::size_t end) {
    TrackState& st = state_;
    st.reset();
    std::uint64_t tick = 0;
    std::uint8_t running = 0;
    bool ended = false;
    std::size_t p = begin;
    while (p < end) {
      if (ended) throw MidiFileError(p, "event after End-of-Track");
      const std::size_t event_start = p;
      tick += read_vlq(p, end, "delta time");
      if (tick > max_tick_)
        throw MidiFileError(event_start, "event at tick " + std::to_string(tick) +
                                             " lies beyond the supported length of " +
                                             std::to_string(static_cast<long long>(kMaxMidiQuarters)) +
                                             " quarter notes");
      if (p >= end) throw MidiFileError(p, "truncated event: delta time without an event");
      std::uint8_t status = data_[p];
      if (status & 0x80) {
        ++p;
      } else {
        if (running == 0)
          throw MidiFileError(p, "running status without a previous status byte");
        status = running;
      }

      if (status == kMeta) {
        if (p >= end) throw MidiFileError(p, "truncated meta event");
        const std::uint8_t type = data_[p++];
        const std::size_t length_at = p;
        const std::uint32_t length = read_vlq(p, end, "meta length");
        if (length > end - p)
          throw MidiFileError(length_at, "meta event length " + std::to_string(length) +
                                             " runs beyond the end of the track (" +
                                             std::to_string(end - p) + " bytes left)");
        read_meta(type, p, length, tick, st, ended);
        p += length;
        // Metas leave running status alone: real writers rely on it.
        continue;
      }
      if (status == 0xF0 || status == 0xF7) {
        const std::size_t length_at = p;
        const std::uint32_t length = read_vlq(p, end, "sysex length");
        if (length > end - p)
          throw MidiFileError(length_at, "sysex length " + std::to_string(length) +
                                             " runs beyond the end of the track (" +
                                             std::to_string(end - p) + " bytes left)");
        p += length;
        running = 0;
        continue;
      }
      if (status >= 0xF0)
        throw MidiFileError(p - 1, "status byte " + hex(status) + " is not allowed in a MIDI file");

      running = status;
      const int kind = status & 0xF0;
      const int channel = status & 0x0F;
      const std::size_t needed = (kind == 0xC0 || kind == 0xD0) ? 1 : 2;
      if (end - p < needed)
        throw MidiFileError(p, "truncated channel message (status " + hex(status) + ")");
      for (std::size_t i = 0; i < needed; ++i)
        if (data_[p + i] & 0x80)
          throw MidiFileError(p + i, "data byte " + hex(data_[p + i]) + " has its high bit set");
      const int d1 = data_[p];
      const int d2 = needed == 2 ? data_[p + 1] : 0;
      p += needed;

      if (kind == 0x90 && d2 > 0) {
        const int key = channel * 128 + d1;
        auto& q = st.sounding[static_cast<std::size_t>(key)];
        if (q.items.empty()) st.touched_keys.push_back(key);
        q.push({tick, d2});
      } else if (kind == 0x80 || kind == 0x90) {
        auto& q = st.sounding[static_cast<std::size_t>(channel * 128 + d1)];
        if (!q.empty()) {  // a note-off for a silent key is harmless noise
          const Sounding on = q.pop();
          st.notes[static_cast<std::size_t>(channel)].push_back({on.start, tick, d1, on.velocity});
        }
      } else if (kind == 0xC0) {
        if (st.program[static_cast<std::size_t>(channel)] < 0)
          st.program[static_cast<std::size_t>(channel)] = d1;
      }
    }
    // Missing End-of-Track is tolerated; the track then ends at its last event.
    for (int key : st.touched_keys) {
      auto& q = st.sounding[static_cast<std::size_t>(key)];
      for (const Sounding& s : q.open())
        st.notes[static_cast<std::size_t>(key / 128)].push_back({s.start, tick, key % 128, s.velocity});
      q.clear();
    }
    st.touched_keys.clear();
    for (int channel = 0; channel < 16; ++channel) {
      auto& raw = st.notes[static_cast<std::size_t>(channel)];
      if (raw.empty()) continue;
      std::sort(raw.begin(), raw.end(), [](const RawNote& a, const RawNote& b) {
        if (a.start != b.start) return a.start < b.start;
        if (a.pitch != b.pitch) return a.pitch < b.pitch;
        if (a.end != b.end) return a.end < b.end;
        return a.velocity < b.velocity;
      });
      Part part;
      part.name = st.name;
      part.program = std::max(0, st.program[static_cast<std::size_t>(channel)]);
      part.channel = channel;
      part.track = track;
      part.notes.reserve(raw.size());
      for (const RawNote& r : raw)
        part.notes.push_back({r.pitch, quarters(r.start), quarters(r.end), r.velocity});
      score_.parts.push_back(std::move(part));
    }
  }

  void read_meta(std::uint8_t type, std::size_t p, std::uint32_t length, std::uint64_t tick,
                 TrackState& st, bool& ended) {
    const std::uint8_t* d = data_ + p;
    switch (type) {
      case kMetaEndOfTrack:
        ended = true;
        break;
      case kMetaTrackName:
        if (!st.has_name) {
          st.name.assign(reinterpret_cast<const char*>(d), length);
          st.has_name = true;
        }
        break;
      case kMetaTempo: {
        if (length != 3)
          throw MidiFileError(p, "tempo meta event has length " + std::to_string(length) +
                                     " (must be 3)");
        const std::uint32_t usec = (std::uint32_t{d[0]} << 16) | (std::uint32_t{d[1]} << 8) | d[2];
        if (usec == 0) throw MidiFileError(p, "tempo of 0 microseconds per quarter note");
        tempos_.push_back({tick, tempos_.size(), 60'000'000.0 / usec});
        break;
      }
      case kMetaTimeSignature: {
        if (length < 2)
          throw MidiFileError(p, "time signature meta event has length " + std::to_string(length) +
                                     " (must be at least 2)");
        if (d[0] == 0) throw MidiFileError(p, "time signature with numerator 0");
        if (d[1] > 7)
          throw MidiFileError(p + 1, "time signature denominator 2^" + std::to_string(d[1]) +
                                         " is out of range");
        signatures_.push_back({tick, signatures_.size(), d[0], 1 << d[1]});
        break;
      }
      default:
        break;
    }
  }

  double quarters(std::uint64_t tick) const { return static_cast<double>(tick) / ticks_per_quarter_; }

  void finish_maps() {
    // Tracks are read one after another, so events from different tracks
    // interleave only after sorting; at the same tick the later one wins.
    std::sort(tempos_.begin(), tempos_.end(), by_tick<TimedTempo>);
    if (tempos_.empty() || tempos_.front().tick != 0)
      score_.tempo_map.push_back({0.0, 120.0});
    for (const TimedTempo& t : tempos_) {
      const double q = quarters(t.tick);
      if (!score_.tempo_map.empty() && score_.tempo_map.back().quarter == q)
        score_.tempo_map.back().bpm = t.bpm;
      else
        score_.tempo_map.push_back({q, t.bpm});
    }
    std::sort(signatures_.begin(), signatures_.end(), by_tick<TimedSignature>);
    for (const TimedSignature& s : signatures_) {
      const double q = quarters(s.tick);
      if (!score_.time_signatures.empty() && score_.time_signatures.back().quarter == q)
        score_.time_signatures.back() = {q, s.numerator, s.denominator};
      else
        score_.time_signatures.push_back({q, s.numerator, s.denominator});
    }
  }

  const std::uint8_t* data_;
  std::size_t size_;
  std::uint32_t header_length_ = 0;
  int declared_tracks_ = 0;
  double ticks_per_quarter_ = 1.0;
  std::uint64_t max_tick_ = 0;
  TrackState state_;
  std::vector<TimedTempo> tempos_;
  std::vector<TimedSignature> signatures_;
  Score score_;
};

}  // namespace

Score read_midi(std::span<const std::uint8_t> bytes) {
  return Parser(bytes).parse();
}

}  // namespace clara
