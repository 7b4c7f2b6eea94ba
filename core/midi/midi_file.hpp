#pragma once
// Standard MIDI File (SMF) reading and writing, format 0 and 1.
// The parser is strict: every malformed input raises MidiFileError naming the
// byte offset and the reason; it never reads out of bounds (fuzzed in CI).
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/midi/score.hpp"

namespace clara {

class MidiFileError : public std::runtime_error {
 public:
  MidiFileError(std::size_t offset, const std::string& reason);
  // The same error seen from a file: what() reads "<source>: byte N: reason".
  MidiFileError(const std::string& source, const MidiFileError& inner);
  std::size_t offset() const { return offset_; }
  const std::string& reason() const { return reason_; }
 private:
  std::size_t offset_;
  std::string reason_;
};

// Positions beyond this many quarter notes (about 97 days at 120 bpm) are
// refused by the reader and the writer, so that any score the reader accepts
// can be written back with any ticks_per_quarter.
inline constexpr double kMaxMidiQuarters = 16777216.0;

// Reads a whole SMF from memory and converts it to a Score.
// Times become quarter-note positions (ticks / division); tempo metas from any
// track form the tempo map. Note-on with velocity 0 is a note-off; a note-off
// closes the oldest sounding note of that key and channel (FIFO); notes still
// sounding at the end of their track end there. SysEx and metas other than
// tempo, time signature, track name are skipped safely. SMPTE divisions are
// read as wall-clock time at a nominal 120 bpm (1 second = 2 quarter notes).
Score read_midi(std::span<const std::uint8_t> bytes);
// As above from a file; errors are prefixed with the path.
Score read_midi_file(const std::filesystem::path& path);

struct WriteOptions {
  int ticks_per_quarter = 480;
};
// Writes a type-1 SMF: track 0 holds the tempo map and time signatures, then one
// track per part with its name and program change, on the part's channel.
// Throws std::invalid_argument for a score MIDI cannot hold (pitch, velocity,
// channel, program out of range, negative or non-finite times, a time
// signature denominator that is not a power of two).
// Same-pitch notes of one part that overlap come back paired first-in
// first-out, as every MIDI reader pairs them.
std::vector<std::uint8_t> write_midi(const Score& score, const WriteOptions& options = {});
void write_midi_file(const std::filesystem::path& path, const Score& score,
                     const WriteOptions& options = {});

}  // namespace clara
