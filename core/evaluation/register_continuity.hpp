#pragma once
// Does an answer pick up where the phrase left off in register? The distance, in semitones,
// between the mean pitch at the end of the phrase and the mean pitch at the start of the
// answer: a pianist answering an octave higher scores 12.
#include <optional>
#include <span>

#include "core/midi/score.hpp"

namespace clara {

// The phrase's end: the notes sounding during its last bar, [phrase_beats - bar_beats,
// phrase_beats) (held notes that began earlier included); if none sounds there (the phrase
// ends in a rest of a bar or more), the notes at its last onset.
// The answer's start: the notes sounding during its first bar, [0, bar_beats) (the answer is
// given with 0 = where it begins, as passage() cuts it); if none, the notes at its first onset.
// Each side's pitch is the plain mean of those notes' MIDI keys (a chord's notes count alike).
// nullopt when either passage has no note. Throws std::invalid_argument unless
// bar_beats > 0 and phrase_beats > 0.
std::optional<double> register_distance(std::span<const Note> phrase, double phrase_beats,
                                        std::span<const Note> answer, double bar_beats);

}  // namespace clara
