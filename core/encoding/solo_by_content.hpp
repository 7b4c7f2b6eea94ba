#pragma once
// Finding the solo line of a solo + piano score from its notes alone, for files
// whose track names and programs say nothing (LilyPond's "upper:"/"lower:",
// unnamed tracks on program 0). The solo is a mostly monophonic line that is
// not the bass, clearly above any other single line, with the other parts
// together sounding as chords. Anything less clear is left undecided: a wrong
// solo teaches the chamber model worse than a skipped file.
//
// Pure and deterministic: the decision depends only on the notes, and it
// carries the figures it was made from, so the encode manifest can show them.
// docs/corpus.md has the criteria and how they were checked on the corpus.
#include <cstddef>
#include <string>
#include <vector>

#include "core/midi/score.hpp"

namespace clara {

struct SoloCriteria {
  double monophonic_max = 0.05;    // polyphony of a "mostly monophonic" line
  double polyphonic_min = 0.25;    // polyphony of a chordal part / of the accompaniment
  double margin = 7.0;             // semitones the solo's mean pitch must clear the next line's
  double chord_window = 1.0 / 48;  // quarters: onsets closer than this sound together
  double hold = 0.125;  // quarters: a note still sounding this long past an onset counts at it
};

struct PartFigures {
  std::size_t part = 0;  // index into Score::parts
  std::size_t notes = 0;
  int lowest = 0, highest = 0;  // MIDI pitches
  double mean_pitch = 0;
  // Share of the part's onsets at which two or more pitch classes sound (the
  // notes starting there plus earlier notes held past it). Octave doublings are
  // one pitch class, so a line doubled in octaves still counts as one line.
  double polyphony = 0;
  double onsets_per_quarter = 0;  // distinct onsets per quarter note of the whole piece
  bool may_be_solo = true;        // false: its name calls it a keyboard
};

struct SoloDecision {
  int solo = -1;                     // part index; -1 when content cannot decide
  std::string reason;                // why, either way, with the deciding figures
  std::vector<PartFigures> figures;  // one per part with notes, in score order
};

// Figures of one part; `piece_quarters` is the length of the whole score.
PartFigures part_figures(const Part& part, std::size_t index, double piece_quarters,
                         const SoloCriteria& criteria = {});
// Polyphony (as in PartFigures) of the notes of several parts heard together.
double polyphony_of(std::vector<Note> notes, const SoloCriteria& criteria = {});

// `may_be_solo[i]` false keeps part i out of the solo (its name says keyboard);
// a shorter vector allows the rest. Parts without notes are ignored.
SoloDecision find_solo_by_content(const Score& score, const std::vector<bool>& may_be_solo,
                                  const SoloCriteria& criteria = {});

}  // namespace clara
