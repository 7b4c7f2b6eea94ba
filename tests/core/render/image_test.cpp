#include "core/render/image.hpp"

#include <cairo.h>
#include <gtest/gtest.h>

#include "tests/core/render/png_pixels.hpp"

namespace clara {
namespace {

TEST(Image, FormatFromTheFileName) {
  EXPECT_EQ(image_format_for("roll.png"), ImageFormat::png);
  EXPECT_EQ(image_format_for("a/b.c/ROLL.Svg"), ImageFormat::svg);
  EXPECT_FALSE(image_format_for("roll.jpg"));
  EXPECT_FALSE(image_format_for("roll"));
}

TEST(Image, DrawsOnWhiteAndEncodes) {
  const std::string png = draw_image(ImageFormat::png, 10, 6, [](cairo_t* cr) {
    cairo_set_source_rgb(cr, 1, 0, 0);
    cairo_rectangle(cr, 0, 0, 5, 6);
    cairo_fill(cr);
  });
  const test::PngPixels px(png);
  EXPECT_EQ(px.width(), 10);
  EXPECT_EQ(px.at(2, 3).r, 255);
  EXPECT_EQ(px.at(2, 3).g, 0);
  EXPECT_EQ(px.at(7, 3).g, 255);  // untouched: white
  const std::string svg = draw_image(ImageFormat::svg, 10, 6, [](cairo_t*) {});
  EXPECT_NE(svg.find("width=\"10pt\""), std::string::npos);
}

TEST(Image, SizeOutsideCairosRangeIsAnError) {
  EXPECT_THROW(draw_image(ImageFormat::png, 0, 5, [](cairo_t*) {}), ImageError);
  EXPECT_THROW(draw_image(ImageFormat::png, 40000, 5, [](cairo_t*) {}), ImageError);
}

}  // namespace
}  // namespace clara
