#include "core/render/training_curves.hpp"

#include <gtest/gtest.h>

#include "core/render/piano_roll.hpp"
#include "tests/core/render/png_pixels.hpp"

namespace clara {
namespace {

std::size_t pixels_near(const test::PngPixels& png, Rgb c, int y0, int y1) {
  std::size_t n = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = 0; x < png.width(); ++x) {
      const auto p = png.at(x, y);
      if (std::abs(p.r - c.r * 255) < 40 && std::abs(p.g - c.g * 255) < 40 && std::abs(p.b - c.b * 255) < 40) ++n;
    }
  return n;
}

TrainingLog log_with(bool accuracy) {
  std::string text = accuracy ? "iter,tokens_seen,train_loss,val_loss,val_acc\n" : "iter,tokens_seen,train_loss,val_loss\n";
  for (int i = 1; i <= 20; ++i) {
    text += std::to_string(i) + "," + std::to_string(i * 1000) + "," + std::to_string(4.0 - i * 0.1) + ",";
    text += i % 5 == 0 ? std::to_string(4.2 - i * 0.08) : "";
    if (accuracy) text += "," + (i % 5 == 0 ? std::to_string(0.1 + i * 0.01) : std::string());
    text += "\n";
  }
  return parse_training_log(text, "log.csv");
}

TEST(TrainingCurves, OnePanelPerKindEachLineInItsColour) {
  TrainingCurvesOptions o;
  const test::PngPixels one(training_curves_image(log_with(false), o, ImageFormat::png));
  const test::PngPixels two(training_curves_image(log_with(true), o, ImageFormat::png));
  EXPECT_EQ(one.width(), o.width);
  EXPECT_GT(two.height(), one.height() + o.panel_height / 2);  // the accuracy panel
  // Loss panel: train (first colour) and validation (second) both drawn as lines.
  EXPECT_GT(pixels_near(one, part_colour(0), 0, one.height()), 200u);
  EXPECT_GT(pixels_near(one, part_colour(1), 0, one.height()), 200u);
  // Accuracy panel (below the first): val_acc in the first colour.
  EXPECT_GT(pixels_near(two, part_colour(0), o.panel_height + 40, two.height()), 150u);
}

TEST(TrainingCurves, ALogWithNothingToDrawIsStillAPicture) {
  const TrainingLog log = parse_training_log("x,y\n1,2\n", "log.csv");
  const std::string svg = training_curves_image(log, {}, ImageFormat::svg);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

}  // namespace
}  // namespace clara
