#pragma once
// A score as the MIDI a person would play: a note-on at each note's start and a
// note-off at its end, on the part's channel, timed in nanoseconds from the
// start through the score's tempo map.
#include <vector>

#include "core/midi/score.hpp"
#include "core/midi/timed_message.hpp"

namespace clara::jackio {

// Sorted by time; at equal times note-offs go first, so a key struck again at
// the moment it is released sounds again. Port is 0.
std::vector<TimedMessage> messages_from_score(const Score& score);

// Seconds from the start to `quarter`, through the tempo map (120 bpm if empty).
double seconds_at(const Score& score, double quarter);

}  // namespace clara::jackio
