#pragma once
// Reading a PNG back with cairo, for tests that check a picture by its pixels.
#include <cairo.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

namespace clara::test {

struct Pixel {
  int r = 0, g = 0, b = 0;
};

class PngPixels {
 public:
  explicit PngPixels(const std::string& png) : bytes_(png) {
    surface_.reset(cairo_image_surface_create_from_png_stream(&PngPixels::read, this));
    if (cairo_surface_status(surface_.get()) != CAIRO_STATUS_SUCCESS)
      throw std::runtime_error(std::string("not a PNG: ") + cairo_status_to_string(cairo_surface_status(surface_.get())));
    cairo_surface_flush(surface_.get());
  }
  int width() const { return cairo_image_surface_get_width(surface_.get()); }
  int height() const { return cairo_image_surface_get_height(surface_.get()); }
  Pixel at(int x, int y) const {
    if (x < 0 || y < 0 || x >= width() || y >= height()) throw std::out_of_range("pixel outside the picture");
    const unsigned char* row = cairo_image_surface_get_data(surface_.get()) +
                               static_cast<std::ptrdiff_t>(y) * cairo_image_surface_get_stride(surface_.get());
    std::uint32_t v;
    std::memcpy(&v, row + 4 * x, 4);  // native-endian 0xAARRGGBB; our pictures are opaque
    return {static_cast<int>((v >> 16) & 0xff), static_cast<int>((v >> 8) & 0xff), static_cast<int>(v & 0xff)};
  }

 private:
  static cairo_status_t read(void* self, unsigned char* data, unsigned int length) {
    auto* p = static_cast<PngPixels*>(self);
    if (p->offset_ + length > p->bytes_.size()) return CAIRO_STATUS_READ_ERROR;
    std::memcpy(data, p->bytes_.data() + p->offset_, length);
    p->offset_ += length;
    return CAIRO_STATUS_SUCCESS;
  }
  std::string bytes_;
  std::size_t offset_ = 0;
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface_{nullptr, cairo_surface_destroy};
};

}  // namespace clara::test
