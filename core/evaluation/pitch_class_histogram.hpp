#pragma once
// How a passage uses the twelve pitch classes, and how far apart two passages are in that
// respect. The histogram counts onsets (every note once, whatever its length: what
// Yang & Lerch's "pitch class histogram" feature counts); key estimation weighs by duration
// instead (key_estimation.hpp), as Krumhansl-Schmuckler does.
#include <array>
#include <optional>
#include <span>

#include "core/midi/score.hpp"

namespace clara {

// Normalised to sum 1; all zeros for a passage without notes. Index 0 = C.
using PitchClassHistogram = std::array<double, 12>;
PitchClassHistogram pitch_class_histogram(std::span<const Note> notes);

// Jensen-Shannon divergence in bits, in [0, 1]: 0 for equal histograms, 1 for histograms
// with no pitch class in common. Symmetric, finite where KL is not (a class one side never
// uses). nullopt when either histogram is empty (sums to 0): there is nothing to compare.
std::optional<double> jensen_shannon_distance(const PitchClassHistogram& p,
                                              const PitchClassHistogram& q);

}  // namespace clara
