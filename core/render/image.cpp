#include "core/render/image.hpp"

#include <cairo-svg.h>
#include <cairo.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace clara {
namespace {

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

void check(cairo_status_t status, const char* what) {
  if (status != CAIRO_STATUS_SUCCESS)
    throw ImageError(std::string(what) + ": " + cairo_status_to_string(status));
}

}  // namespace

std::optional<ImageFormat> image_format_for(std::string_view file_name) {
  const auto dot = file_name.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::string ext(file_name.substr(dot + 1));
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == "png") return ImageFormat::png;
  if (ext == "svg") return ImageFormat::svg;
  return std::nullopt;
}

std::string draw_image(ImageFormat format, int width, int height,
                       const std::function<void(cairo_t*)>& draw) {
  // Cairo's image surfaces hold at most 32767 pixels a side.
  if (width < 1 || height < 1 || width > 32767 || height > 32767)
    throw ImageError("picture size " + std::to_string(width) + "x" + std::to_string(height) +
                     " is outside 1..32767 pixels a side");
  std::string bytes;
  using Surface = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;
  Surface surface(format == ImageFormat::png
                      ? cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height)
                      : cairo_svg_surface_create_for_stream(append, &bytes, width, height),
                  cairo_surface_destroy);
  check(cairo_surface_status(surface.get()), "cairo surface");
  {
    std::unique_ptr<cairo_t, decltype(&cairo_destroy)> cr(cairo_create(surface.get()), cairo_destroy);
    cairo_set_source_rgb(cr.get(), 1, 1, 1);
    cairo_paint(cr.get());
    draw(cr.get());
    check(cairo_status(cr.get()), "cairo drawing");
  }
  if (format == ImageFormat::png) {
    check(cairo_surface_write_to_png_stream(surface.get(), append, &bytes), "PNG encoding");
  } else {
    cairo_surface_finish(surface.get());  // the SVG stream is complete only once finished
    check(cairo_surface_status(surface.get()), "SVG encoding");
  }
  return bytes;
}

}  // namespace clara
