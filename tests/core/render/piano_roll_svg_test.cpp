#include "core/render/piano_roll_svg.hpp"

#include <gtest/gtest.h>

namespace clara {
namespace {

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

TEST(PianoRollSvg, OneRectanglePerNoteInItsPartsColour) {
  Score score;
  Part human{"Human", 0, 0, 1, {{60, 0, 1, 80}, {64, 1, 2, 80}}};
  Part clara{"Clara <p>", 0, 0, 2, {{67, 2.5, 4, 70}}};
  score.parts = {human, clara};
  PianoRollOptions o;
  o.pixels_per_quarter = 10;
  o.pixels_per_key = 5;
  const std::string svg = piano_roll_svg(score, o);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_EQ(count(svg, "<g fill=\"#1f77b4\""), 1u);
  EXPECT_EQ(count(svg, "<g fill=\"#ff7f0e\""), 1u);
  // The first group holds two notes, the second one; names are escaped in the legend.
  const auto g1 = svg.find("<g fill=\"#1f77b4\""), g2 = svg.find("<g fill=\"#ff7f0e\"");
  EXPECT_EQ(count(svg.substr(g1, svg.find("</g>", g1) - g1), "<rect"), 2u);
  EXPECT_EQ(count(svg.substr(g2, svg.find("</g>", g2) - g2), "<rect"), 1u);
  EXPECT_NE(svg.find("Clara &lt;p&gt; (1 notes)"), std::string::npos);
  // A note of 1.5 quarters is 15 px wide; it starts at left margin + 25 px.
  EXPECT_NE(svg.find("x=\"65.00\""), std::string::npos);
  EXPECT_NE(svg.find("width=\"15.00\""), std::string::npos);
}

TEST(PianoRollSvg, EmptyScoreIsStillAPicture) {
  const std::string svg = piano_roll_svg(Score{});
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

}  // namespace
}  // namespace clara
