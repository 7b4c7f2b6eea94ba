#pragma once
// Bars and beats of a score from its time signatures: where the grid lines of a
// piano roll go and which number each bar carries.
#include <cstddef>
#include <vector>

#include "core/midi/score.hpp"

namespace clara {

struct Bar {
  int number = 1;        // 1-based
  double start = 0;      // quarter notes
  double length = 4;     // quarter notes; shorter when a new time signature cuts it
  double beat = 1;       // quarter notes per beat (4 / denominator)
  int numerator = 4;
  int denominator = 4;
};

// Bars from 0 until `end` (at least one bar). 4/4 until the first time signature;
// a signature that falls inside a bar ends that bar there and starts bar 1 of its
// metre. Signatures with a zero or negative part, or at a non-finite or negative
// position, are ignored. Stops after max_bars bars (a picture cannot show more).
std::vector<Bar> bar_grid(const std::vector<TimeSignature>& signatures, double end,
                          std::size_t max_bars = 100000);

}  // namespace clara
