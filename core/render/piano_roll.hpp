#pragma once
// A piano roll of a score, drawn with cairo: time across in bars and beats (from
// the score's time signatures; tempo and metre changes marked above), pitch up
// with a keyboard and pitch names on the left, one colour per part (player or
// instrument), velocity as opacity, and a legend. `clara plot` and `clara demo`.
#include <cstddef>
#include <string>

#include "core/midi/score.hpp"
#include "core/render/image.hpp"

namespace clara {

struct PianoRollOptions {
  // 0: chosen so the roll is about target_width pixels wide (2..48 pixels a quarter).
  double pixels_per_quarter = 0;
  int target_width = 1600;
  int pixels_per_key = 8;  // 3..40
  std::string title;
};

struct Rgb {
  double r = 0, g = 0, b = 0;  // 0..1
};

// Part i's colour: the Okabe-Ito colour-blind-safe set (blue, orange, then green,
// vermilion, purple, sky blue, yellow, black), repeating after eight parts.
Rgb part_colour(std::size_t part_index);

// Opacity of a note of this velocity: 0.25 at 1 up to 1.0 at 127 (clamped).
double velocity_opacity(int velocity);

// "C4" for 60, "F#3" for 54 (sharps; middle C is C4).
std::string pitch_name(int pitch);

// Where things go in the picture, in pixels from its top-left corner.
struct PianoRollLayout {
  int width = 0, height = 0;
  double roll_left = 0, roll_top = 0, roll_right = 0, roll_bottom = 0;
  double pixels_per_quarter = 0;
  double key_height = 0;
  int low = 0, high = 0;  // lowest and highest pitch shown
  double end = 0;         // quarter notes shown

  double x_of(double quarter) const { return roll_left + quarter * pixels_per_quarter; }
  double row_top(int pitch) const { return roll_top + (high - pitch) * key_height; }
};

// Throws std::invalid_argument for options out of range.
PianoRollLayout piano_roll_layout(const Score& score, const PianoRollOptions& options = {});

// The picture as the bytes of a PNG or SVG file. Each note is a rectangle from
// x_of(start) to x_of(end) less one pixel (so repeated notes stay apart, and at
// least two pixels wide), over its key's row less the row's top pixel.
std::string piano_roll_image(const Score& score, const PianoRollOptions& options, ImageFormat format);

}  // namespace clara
