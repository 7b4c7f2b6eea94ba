#pragma once
// A picture drawn with cairo, returned as the bytes of a PNG or SVG file: the
// drawing code never touches the file system, the caller writes the bytes where
// it wants them.
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

typedef struct _cairo cairo_t;

namespace clara {

enum class ImageFormat { png, svg };

// The format a file name asks for by its extension (".png", ".svg", any case);
// nullopt for any other.
std::optional<ImageFormat> image_format_for(std::string_view file_name);

struct ImageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Calls draw on a white width x height canvas (in pixels; SVG in points) and
// returns the encoded file. Throws ImageError when cairo fails (size out of its
// range, out of memory).
std::string draw_image(ImageFormat format, int width, int height,
                       const std::function<void(cairo_t*)>& draw);

}  // namespace clara
