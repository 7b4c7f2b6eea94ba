#include "core/render/piano_roll.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <queue>
#include <vector>

#include "tests/core/render/png_pixels.hpp"

namespace clara {
namespace {

using test::Pixel;
using test::PngPixels;

// Two players as the demo has them, notes kept apart so each is its own rectangle:
// the two C5s follow each other on one key, one note sits on a black key.
Score duet() {
  Score s;
  s.parts.push_back({"Human", 0, 0, 1, {{60, 0, 1, 100}, {64, 1, 2, 127}, {66, 2, 3, 40}}});
  s.parts.push_back({"Clara", 0, 1, 2, {{72, 4, 5, 110}, {72, 5, 6, 90}, {48, 6, 8, 127}}});
  s.tempo_map = {{0, 100}};
  s.time_signatures = {{0, 4, 4}};
  return s;
}

PianoRollOptions fixed() {
  PianoRollOptions o;
  o.pixels_per_quarter = 20;
  o.pixels_per_key = 8;
  return o;
}

bool is_black(int pitch) {
  const int pc = pitch % 12;
  return pc == 1 || pc == 3 || pc == 6 || pc == 8 || pc == 10;
}

// The colour a note of this part and velocity shows over its row, drawn by hand:
// source-over of the part's colour at the velocity's opacity.
Pixel expected(std::size_t part, int velocity, int pitch) {
  const double bg = is_black(pitch) ? 0.945 : 1.0, a = velocity_opacity(velocity);
  const Rgb c = part_colour(part);
  auto ch = [&](double v) { return static_cast<int>(std::lround(255 * (v * a + bg * (1 - a)))); };
  return {ch(c.r), ch(c.g), ch(c.b)};
}

int distance(Pixel a, Pixel b) { return std::max({std::abs(a.r - b.r), std::abs(a.g - b.g), std::abs(a.b - b.b)}); }
bool coloured(Pixel p) { return std::max({p.r, p.g, p.b}) - std::min({p.r, p.g, p.b}) > 30; }

TEST(PianoRoll, LayoutPutsQuartersAndKeysWhereTheOptionsSay) {
  const PianoRollLayout l = piano_roll_layout(duet(), fixed());
  // Lowest note 48 and highest 72, two keys of margin each side.
  EXPECT_EQ(l.low, 46);
  EXPECT_EQ(l.high, 74);
  EXPECT_DOUBLE_EQ(l.roll_left, 64);  // margin 8 + names 34 + keys 22
  EXPECT_DOUBLE_EQ(l.roll_top, 42);   // margin 8 + marks and bar numbers 34
  EXPECT_DOUBLE_EQ(l.x_of(1.5), 94);
  EXPECT_DOUBLE_EQ(l.row_top(74), 42);
  EXPECT_DOUBLE_EQ(l.row_top(60), 42 + 14 * 8);
  EXPECT_DOUBLE_EQ(l.end, 8);  // two bars of 4/4
  EXPECT_DOUBLE_EQ(l.roll_right, 64 + 8 * 20);
  EXPECT_DOUBLE_EQ(l.roll_bottom, 42 + 29 * 8);
}

TEST(PianoRoll, PngHasOneRectanglePerNoteInItsPartsColourWithVelocityAsOpacity) {
  const Score s = duet();
  const PianoRollLayout l = piano_roll_layout(s, fixed());
  const PngPixels png(piano_roll_image(s, fixed(), ImageFormat::png));
  ASSERT_EQ(png.width(), l.width);
  ASSERT_EQ(png.height(), l.height);

  for (std::size_t p = 0; p < s.parts.size(); ++p)
    for (const Note& n : s.parts[p].notes) {
      const int cx = static_cast<int>((l.x_of(n.start) + l.x_of(n.end) - 1) / 2);
      const int cy = static_cast<int>(l.row_top(n.pitch) + 1 + (l.key_height - 1) / 2);
      const Pixel got = png.at(cx, cy), want = expected(p, n.velocity, n.pitch);
      EXPECT_LE(distance(got, want), 3) << "note " << n.pitch << " at " << n.start << ": (" << got.r << ","
                                        << got.g << "," << got.b << ") want (" << want.r << "," << want.g
                                        << "," << want.b << ")";
      // Its part's colour, not the other's.
      EXPECT_GT(distance(got, expected(1 - p, n.velocity, n.pitch)), 20);
    }
  // Velocity as opacity: the loud note is darker than the soft one of the same part.
  const Pixel loud = png.at(static_cast<int>(l.x_of(1.5)), static_cast<int>(l.row_top(64) + 4));
  const Pixel soft = png.at(static_cast<int>(l.x_of(2.5)), static_cast<int>(l.row_top(66) + 4));
  EXPECT_LT(loud.r + loud.g + loud.b + 100, soft.r + soft.g + soft.b);

  // Between notes: background. The pixel column before the second C5 (its
  // predecessor stops one pixel short), above and below notes, an empty bar.
  auto background = [&](int x, int y, int pitch) {
    const Pixel px = png.at(x, y);
    EXPECT_FALSE(coloured(px)) << "at " << x << "," << y;
    if (!coloured(px)) {
      EXPECT_GE(px.r, is_black(pitch) ? 225 : 245) << "at " << x << "," << y;
    }
  };
  background(static_cast<int>(l.x_of(5)) - 1, static_cast<int>(l.row_top(72) + 4), 72);
  background(static_cast<int>(l.x_of(0.5)), static_cast<int>(l.row_top(61) + 4), 61);
  background(static_cast<int>(l.x_of(0.5)), static_cast<int>(l.row_top(59) + 4), 59);
  background(static_cast<int>(l.x_of(3.5)), static_cast<int>(l.row_top(70) + 4), 70);
  background(static_cast<int>(l.x_of(7.5)), static_cast<int>(l.row_top(47) + 4), 47);

  // Counted: coloured regions inside the roll, each the size of its note.
  std::vector<int> seen(static_cast<std::size_t>(l.width * l.height), 0);
  std::vector<int> sizes;
  for (int y = static_cast<int>(l.roll_top); y < static_cast<int>(l.roll_bottom); ++y)
    for (int x = static_cast<int>(l.roll_left); x < static_cast<int>(l.roll_right); ++x) {
      if (seen[static_cast<std::size_t>(y * l.width + x)] || !coloured(png.at(x, y))) continue;
      int size = 0;
      std::queue<std::pair<int, int>> q;
      q.push({x, y});
      seen[static_cast<std::size_t>(y * l.width + x)] = 1;
      while (!q.empty()) {
        auto [px, py] = q.front();
        q.pop();
        ++size;
        for (auto [dx, dy] : {std::pair{1, 0}, {-1, 0}, {0, 1}, {0, -1}}) {
          const int nx = px + dx, ny = py + dy;
          if (nx < l.roll_left || ny < l.roll_top || nx >= l.roll_right || ny >= l.roll_bottom) continue;
          auto& v = seen[static_cast<std::size_t>(ny * l.width + nx)];
          if (!v && coloured(png.at(nx, ny))) v = 1, q.push({nx, ny});
        }
      }
      sizes.push_back(size);
    }
  ASSERT_EQ(sizes.size(), 6u);
  // A one-quarter note is 19 x 7 pixels, the half note 39 x 7 (in the order found: top row first).
  std::vector<int> sorted = sizes;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int>{19 * 7, 19 * 7, 19 * 7, 19 * 7, 19 * 7, 39 * 7}));
}

TEST(PianoRoll, AutomaticScaleFitsTheTargetWidthAndCairosLimit) {
  Score s;
  s.parts.push_back({"", 40, 0, 1, {{60, 0, 100, 80}}});
  PianoRollOptions o;
  const PianoRollLayout l = piano_roll_layout(s, o);
  EXPECT_DOUBLE_EQ(l.pixels_per_quarter, 15);  // floor((1600 - 64 - 8) / 100)
  s.parts[0].notes = {{60, 0, 1e6, 80}};
  const PianoRollLayout huge = piano_roll_layout(s, o);
  EXPECT_LE(huge.width, 32767);
  EXPECT_GT(huge.pixels_per_quarter, 0);
}

TEST(PianoRoll, EmptyScoreIsStillAPictureOfOneBar) {
  const PianoRollLayout l = piano_roll_layout(Score{}, fixed());
  EXPECT_DOUBLE_EQ(l.end, 4);
  EXPECT_EQ(l.low, 58);  // C4..C5 and two keys each side
  EXPECT_EQ(l.high, 74);
  const PngPixels png(piano_roll_image(Score{}, fixed(), ImageFormat::png));
  EXPECT_EQ(png.width(), l.width);
}

TEST(PianoRoll, SvgIsAnSvgDocumentWithTheLegendText) {
  PianoRollOptions o = fixed();
  o.title = "duet <&>";
  const std::string svg = piano_roll_image(duet(), o, ImageFormat::svg);
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  // Cairo escapes nothing it does not need to: text goes in as glyph outlines, never raw.
  EXPECT_EQ(svg.find("<&>"), std::string::npos);
}

TEST(PianoRoll, BadOptionsAreRefused) {
  PianoRollOptions o;
  o.pixels_per_key = 2;
  EXPECT_THROW(piano_roll_layout(duet(), o), std::invalid_argument);
  o = {};
  o.pixels_per_quarter = NAN;
  EXPECT_THROW(piano_roll_layout(duet(), o), std::invalid_argument);
}

TEST(PianoRoll, PitchNames) {
  EXPECT_EQ(pitch_name(60), "C4");
  EXPECT_EQ(pitch_name(54), "F#3");
  EXPECT_EQ(pitch_name(0), "C-1");
  EXPECT_EQ(pitch_name(127), "G9");
  EXPECT_EQ(pitch_name(21), "A0");
}

TEST(PianoRoll, VelocityOpacityIsMonotoneAndClamped) {
  EXPECT_DOUBLE_EQ(velocity_opacity(1), 0.25);
  EXPECT_DOUBLE_EQ(velocity_opacity(127), 1.0);
  EXPECT_DOUBLE_EQ(velocity_opacity(500), 1.0);
  EXPECT_LT(velocity_opacity(40), velocity_opacity(41));
}

}  // namespace
}  // namespace clara
