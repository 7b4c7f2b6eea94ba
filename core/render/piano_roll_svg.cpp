#include "core/render/piano_roll_svg.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace clara {
namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string num(double x) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", x);
  return b;
}

}  // namespace

std::string piano_roll_svg(const Score& score, const PianoRollOptions& o) {
  // Colour-blind-safe pair first (blue, orange), then more for extra parts.
  static constexpr std::array<const char*, 6> kColours{"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"};
  int low = 127, high = 0;
  double end = 0;
  for (const auto& p : score.parts)
    for (const auto& n : p.notes) {
      low = std::min(low, n.pitch);
      high = std::max(high, n.pitch);
      end = std::max(end, n.end);
    }
  if (low > high) low = 60, high = 72;
  low = std::max(0, low - 2), high = std::min(127, high + 2);
  const double left = 40, top = o.title.empty() ? 10 : 30, legend = 22;
  const double width = left + std::max(1.0, std::ceil(end)) * o.pixels_per_quarter + 10;
  const double roll_h = (high - low + 1) * o.pixels_per_key;
  const double height = top + roll_h + legend + 10;
  auto y_of = [&](int pitch) { return top + (high - pitch) * o.pixels_per_key; };

  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) + "\" height=\"" + num(height) +
                  "\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  if (!o.title.empty()) s += "<text x=\"" + num(left) + "\" y=\"18\" font-size=\"13\">" + escape(o.title) + "</text>\n";
  // Black-key rows shaded, C rows labelled: a reader finds the octave at a glance.
  for (int k = low; k <= high; ++k) {
    const int pc = k % 12;
    if (pc == 1 || pc == 3 || pc == 6 || pc == 8 || pc == 10)
      s += "<rect x=\"" + num(left) + "\" y=\"" + num(y_of(k)) + "\" width=\"" + num(width - left - 10) +
           "\" height=\"" + num(o.pixels_per_key) + "\" fill=\"#f2f2f2\"/>\n";
    if (pc == 0)
      s += "<text x=\"2\" y=\"" + num(y_of(k) + o.pixels_per_key) + "\">C" + std::to_string(k / 12 - 1) + "</text>\n";
  }
  for (int q = 0; q <= static_cast<int>(std::ceil(end)); ++q)
    s += "<line x1=\"" + num(left + q * o.pixels_per_quarter) + "\" y1=\"" + num(top) + "\" x2=\"" +
         num(left + q * o.pixels_per_quarter) + "\" y2=\"" + num(top + roll_h) + "\" stroke=\"" +
         (q % 4 == 0 ? "#bbbbbb" : "#e6e6e6") + "\"/>\n";
  for (std::size_t i = 0; i < score.parts.size(); ++i) {
    const char* colour = kColours[i % kColours.size()];
    const std::string name = score.parts[i].name.empty() ? "part " + std::to_string(i + 1) : score.parts[i].name;
    s += "<g fill=\"" + std::string(colour) + "\" fill-opacity=\"0.85\"><title>" + escape(name) + "</title>\n";
    for (const auto& n : score.parts[i].notes) {
      const double w = std::max(1.0, (n.end - n.start) * o.pixels_per_quarter);
      s += "<rect x=\"" + num(left + n.start * o.pixels_per_quarter) + "\" y=\"" + num(y_of(n.pitch)) + "\" width=\"" +
           num(w) + "\" height=\"" + num(o.pixels_per_key) + "\"/>\n";
    }
    s += "</g>\n";
    const double lx = left + static_cast<double>(i) * 140;
    s += "<rect x=\"" + num(lx) + "\" y=\"" + num(top + roll_h + 8) + "\" width=\"12\" height=\"12\" fill=\"" + colour +
         "\"/><text x=\"" + num(lx + 16) + "\" y=\"" + num(top + roll_h + 18) + "\">" + escape(name) + " (" +
         std::to_string(score.parts[i].notes.size()) + " notes)</text>\n";
  }
  s += "</svg>\n";
  return s;
}

}  // namespace clara
