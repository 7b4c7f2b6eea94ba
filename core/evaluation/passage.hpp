#pragma once
// Cutting a stretch of music out of a note list, the way the scores compare them: a note
// belongs to the stretch its onset falls in, so a note held across a phrase's end counts in
// the phrase only (clipped there), never again in what follows.
#include <span>
#include <vector>

#include "core/midi/score.hpp"

namespace clara {

// The notes with from <= start < to, ends clipped to `to`, moved so that `from` is 0, in the
// order given. Throws std::invalid_argument unless from < to (both finite).
std::vector<Note> passage(std::span<const Note> notes, double from, double to);

// All notes of a score's parts in one list, sorted by (start, pitch).
std::vector<Note> all_notes(const Score& score);

}  // namespace clara
