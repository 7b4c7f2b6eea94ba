#pragma once
// Texture figures of a passage: how many notes, how many at once, how long. Times are in
// quarter notes, which the scores call beats (the grid's unit, whatever the metre).
#include <array>
#include <optional>
#include <span>

#include "core/midi/score.hpp"

namespace clara {

// Notes (onsets) per beat over a passage `length_beats` long. Throws std::invalid_argument
// unless length_beats > 0.
double note_density(std::span<const Note> notes, double length_beats);

// Mean number of notes sounding, over the time during which at least one sounds (rests do
// not pull it down; a melody is 1, a melody over block triads 4). nullopt when no note has a
// positive length.
std::optional<double> polyphony(std::span<const Note> notes);

// Share of notes in each length class, in beats: [0, 1/4), [1/4, 1/2), [1/2, 1), [1, 2),
// [2, 4), [4, inf). A note of exactly 1/2 beat is in the third class; the shares sum to 1.
struct NoteLengthDistribution {
  static constexpr std::array<double, 5> kUpperBounds{0.25, 0.5, 1.0, 2.0, 4.0};
  std::array<double, 6> shares{};
  double mean = 0;    // beats
  double median = 0;  // beats; the lower middle for an even count
  std::size_t notes = 0;
};
// nullopt for no notes.
std::optional<NoteLengthDistribution> note_length_distribution(std::span<const Note> notes);

}  // namespace clara
