#pragma once
// A piano roll of a score as an SVG picture: time across in quarter notes,
// pitch up, each part in its own colour with a legend. Used for `clara demo`'s
// duet picture (human and Clara in two colours).
#include <string>

#include "core/midi/score.hpp"

namespace clara {

struct PianoRollOptions {
  double pixels_per_quarter = 40;
  double pixels_per_key = 6;
  std::string title;
};

std::string piano_roll_svg(const Score& score, const PianoRollOptions& options = {});

}  // namespace clara
