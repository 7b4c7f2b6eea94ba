#pragma once
// A piece of music as Clara sees it: notes positioned in quarter notes, so the
// encodings are tempo-independent (as the seed's music21 pipeline is), plus the
// tempo map and part metadata needed to write a faithful MIDI file back.
#include <cstdint>
#include <string>
#include <vector>

namespace clara {

struct Note {
  int pitch = 60;        // MIDI key number 0..127
  double start = 0.0;    // quarter notes from the start of the piece
  double end = 0.0;      // quarter notes; end >= start (zero-length notes exist in real files)
  int velocity = 80;     // 1..127
};

struct Part {
  std::string name;      // track name meta, "" when absent
  int program = 0;       // GM program 0..127 (first program change seen, else 0)
  int channel = 0;       // 0..15 (channel of the first note, else 0)
  int track = 0;         // index of the SMF track it came from
  std::vector<Note> notes;  // sorted by (start, pitch)
};

struct TempoChange {
  double quarter = 0.0;  // position in quarter notes
  double bpm = 120.0;    // quarter notes per minute
};

struct TimeSignature {
  double quarter = 0.0;
  int numerator = 4;
  int denominator = 4;
};

struct Score {
  std::vector<Part> parts;
  std::vector<TempoChange> tempo_map;       // sorted, first at 0 (120 bpm if the file has none)
  std::vector<TimeSignature> time_signatures;
  double length_quarters() const;           // end of the last note, 0 for an empty score
  std::size_t note_count() const;
};

}  // namespace clara
