#include "core/render/piano_roll.hpp"

#include <cairo.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "core/midi/gm_programs.hpp"
#include "core/render/bar_grid.hpp"

namespace clara {
namespace {

constexpr double kMargin = 8;
constexpr double kTitleHeight = 24;
constexpr double kHeaderHeight = 34;      // metre/tempo marks, then bar numbers
constexpr double kNameColumn = 34;        // pitch names
constexpr double kKeyStrip = 22;          // the keyboard
constexpr double kLegendRow = 18;
constexpr double kFontSize = 11;
constexpr int kMaxSide = 32767;           // cairo's limit

bool is_black(int pitch) {
  const int pc = pitch % 12;
  return pc == 1 || pc == 3 || pc == 6 || pc == 8 || pc == 10;
}

struct LegendItem {
  bool swatch = false;
  Rgb colour;
  double opacity = 1;
  std::string text;
  double x = 0, y = 0;  // top-left of the item
};

struct Plan {
  PianoRollLayout layout;
  std::vector<Bar> bars;
  std::vector<LegendItem> legend;
};

std::string part_label(const Part& part, std::size_t index) {
  const std::string gm = part.channel == kGmPercussionChannel ? std::string("Percussion")
                                                              : std::string(gm_program_name(part.program));
  // Track names often end in a colon ("upper:"), written for a list, not a legend.
  std::string name = part.name;
  while (!name.empty() && (name.back() == ':' || std::isspace(static_cast<unsigned char>(name.back())))) name.pop_back();
  std::string label = name.empty() ? gm : name;
  if (label.empty()) label = "part " + std::to_string(index + 1);
  if (!name.empty() && !gm.empty()) {
    std::string a = name, b = gm;
    for (auto* s : {&a, &b})
      std::transform(s->begin(), s->end(), s->begin(), [](unsigned char c) { return std::tolower(c); });
    if (a != b) label += " \u00b7 " + gm;
  }
  return label + ", " + std::to_string(part.notes.size()) + (part.notes.size() == 1 ? " note" : " notes");
}

using Context = std::unique_ptr<cairo_t, decltype(&cairo_destroy)>;

// A context on a 1x1 surface, only to measure text before the picture's size is known.
Context measuring_context() {
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> s(
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1), cairo_surface_destroy);
  return Context(cairo_create(s.get()), cairo_destroy);  // the context keeps the surface alive
}

void set_font(cairo_t* cr, double size, bool bold = false) {
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

double text_width(cairo_t* cr, const std::string& s) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  return e.x_advance;
}

Plan plan(const Score& score, const PianoRollOptions& o) {
  if (!(o.pixels_per_quarter >= 0 && o.pixels_per_quarter <= 1000))
    throw std::invalid_argument("piano roll: pixels per quarter must be 0 (automatic) to 1000");
  if (o.pixels_per_key < 3 || o.pixels_per_key > 40)
    throw std::invalid_argument("piano roll: pixels per key must be 3 to 40");
  if (o.target_width < 200 || o.target_width > kMaxSide)
    throw std::invalid_argument("piano roll: target width must be 200 to 32767 pixels");

  Plan p;
  PianoRollLayout& l = p.layout;
  int low = 127, high = 0;
  double end = 0;
  for (const auto& part : score.parts)
    for (const auto& n : part.notes) {
      low = std::min(low, std::clamp(n.pitch, 0, 127));
      high = std::max(high, std::clamp(n.pitch, 0, 127));
      if (std::isfinite(n.end)) end = std::max(end, n.end);
    }
  if (low > high) low = 60, high = 72;
  low = std::max(0, low - 2), high = std::min(127, high + 2);
  while (high - low < 12) {  // at least an octave, so there is a C to read
    if (low > 0) --low;
    if (high - low < 12 && high < 127) ++high;
  }
  p.bars = bar_grid(score.time_signatures, std::max(end, 1e-9));
  const Bar& last = p.bars.back();
  l.end = std::max(end, last.start + last.length);
  l.low = low, l.high = high;
  l.key_height = o.pixels_per_key;

  auto cr = measuring_context();
  l.roll_left = kMargin + kNameColumn + kKeyStrip;
  l.roll_top = kMargin + (o.title.empty() ? 0 : kTitleHeight) + kHeaderHeight;
  double ppq = o.pixels_per_quarter;
  if (ppq == 0) ppq = std::clamp(std::floor((o.target_width - l.roll_left - kMargin) / l.end), 2.0, 48.0);
  const double room = kMaxSide - 1 - l.roll_left - kMargin;
  if (l.end * ppq > room) ppq = room / l.end;  // very long pieces: squeezed to what cairo can hold
  l.pixels_per_quarter = ppq;
  l.roll_right = l.x_of(l.end);
  l.roll_bottom = l.roll_top + (high - low + 1) * l.key_height;

  double width = std::max(l.roll_right + kMargin, 360.0);
  set_font(cr.get(), 13, true);
  if (!o.title.empty()) width = std::max(width, 2 * kMargin + text_width(cr.get(), o.title));
  width = std::min(std::ceil(width), static_cast<double>(kMaxSide));

  // The legend: each part, then what the opacity means; flowing into rows.
  for (std::size_t i = 0; i < score.parts.size(); ++i)
    p.legend.push_back({true, part_colour(i), 1.0, part_label(score.parts[i], i)});
  p.legend.push_back({false, {}, 1.0, "velocity:"});
  for (int v : {16, 48, 80, 112, 127}) p.legend.push_back({true, {0.25, 0.25, 0.25}, velocity_opacity(v), std::to_string(v)});
  set_font(cr.get(), kFontSize);
  double x = l.roll_left, y = l.roll_bottom + 10;
  for (auto& item : p.legend) {
    const double w = (item.swatch ? 16 : 0) + text_width(cr.get(), item.text) + 16;
    if (x > l.roll_left && x + w > width - kMargin) x = l.roll_left, y += kLegendRow;
    item.x = x, item.y = y;
    x += w;
  }
  const double height = y + kLegendRow + kMargin;
  if (height > kMaxSide) throw std::invalid_argument("piano roll: the picture would be over 32767 pixels high");
  l.width = static_cast<int>(width);
  l.height = static_cast<int>(std::ceil(height));
  return p;
}

// Crisp one-pixel lines: on pixel centres.
double crisp(double x) { return std::floor(x) + 0.5; }

void vline(cairo_t* cr, double x, double y0, double y1) {
  cairo_move_to(cr, crisp(x), y0);
  cairo_line_to(cr, crisp(x), y1);
  cairo_stroke(cr);
}

void draw(cairo_t* cr, const Score& score, const PianoRollOptions& o, const Plan& p) {
  const PianoRollLayout& l = p.layout;
  cairo_set_line_width(cr, 1);
  if (!o.title.empty()) {
    set_font(cr, 13, true);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_move_to(cr, kMargin, kMargin + 15);
    cairo_show_text(cr, o.title.c_str());
  }
  set_font(cr, kFontSize);

  // Rows: black keys shaded, a line where B meets C so octaves read at a glance.
  for (int k = l.low; k <= l.high; ++k) {
    const double y = l.row_top(k);
    if (is_black(k)) {
      cairo_set_source_rgb(cr, 0.945, 0.945, 0.945);
      cairo_rectangle(cr, l.roll_left, y, l.roll_right - l.roll_left, l.key_height);
      cairo_fill(cr);
    }
  }
  // Beats, then bars over them.
  cairo_set_source_rgb(cr, 0.89, 0.89, 0.89);
  for (const Bar& b : p.bars) {
    if (b.beat * l.pixels_per_quarter < 4) break;
    for (int j = 1; b.start + j * b.beat < b.start + b.length - 1e-9; ++j)
      vline(cr, l.x_of(b.start + j * b.beat), l.roll_top, l.roll_bottom);
  }
  for (int k = l.low; k <= l.high; ++k)
    if (k % 12 == 0) {
      cairo_set_source_rgb(cr, 0.82, 0.82, 0.82);
      cairo_move_to(cr, l.roll_left, std::floor(l.row_top(k) + l.key_height) - 0.5);
      cairo_line_to(cr, l.roll_right, std::floor(l.row_top(k) + l.key_height) - 0.5);
      cairo_stroke(cr);
    }
  // Bar lines and numbers: every bar when there is room, else every 2nd, 4th, 5th, 10th...
  double min_bar = 1e300;
  for (const Bar& b : p.bars) min_bar = std::min(min_bar, b.length * l.pixels_per_quarter);
  int step = 1;
  for (int s : {1, 2, 4, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 100000}) {
    step = s;
    if (min_bar * s >= 26) break;
  }
  double label_end = -1e300;
  for (const Bar& b : p.bars) {
    if ((b.number - 1) % step) continue;
    const double x = l.x_of(b.start);
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    vline(cr, x, l.roll_top - 14, l.roll_bottom);
    const std::string n = std::to_string(b.number);
    if (x + 2 >= label_end + 4) {
      cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
      cairo_move_to(cr, x + 2, l.roll_top - 4);
      cairo_show_text(cr, n.c_str());
      label_end = x + 2 + text_width(cr, n);
    }
  }
  // Metre and tempo marks above the bar numbers.
  struct Mark {
    double quarter;
    std::string text;
  };
  std::vector<Mark> marks;
  for (std::size_t i = 0; i < p.bars.size(); ++i) {
    const Bar& b = p.bars[i];
    if (i == 0 || b.numerator != p.bars[i - 1].numerator || b.denominator != p.bars[i - 1].denominator)
      marks.push_back({b.start, std::to_string(b.numerator) + "/" + std::to_string(b.denominator)});
  }
  auto tempo_text = [](double bpm) {
    char s[32];
    std::snprintf(s, sizeof s, "\u2669=%.0f", bpm);
    return std::string(s);
  };
  if (score.tempo_map.empty()) marks.push_back({0, tempo_text(120)});
  for (const auto& t : score.tempo_map)
    if (std::isfinite(t.quarter) && t.quarter <= l.end && std::isfinite(t.bpm)) marks.push_back({t.quarter, tempo_text(t.bpm)});
  std::stable_sort(marks.begin(), marks.end(), [](const Mark& a, const Mark& b) { return a.quarter < b.quarter; });
  label_end = -1e300;
  cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
  for (std::size_t i = 0; i < marks.size(); ++i) {
    std::string text = marks[i].text;
    while (i + 1 < marks.size() && marks[i + 1].quarter == marks[i].quarter) text += "  " + marks[++i].text;
    const double x = l.x_of(marks[i].quarter) + 2;
    if (x < label_end + 6) continue;  // a dense tempo map: the marks that fit
    cairo_move_to(cr, x, l.roll_top - 20);
    cairo_show_text(cr, text.c_str());
    label_end = x + text_width(cr, text);
  }

  // The keyboard and pitch names.
  const double kx = kMargin + kNameColumn;
  for (int k = l.low; k <= l.high; ++k) {
    const double y = l.row_top(k);
    if (is_black(k)) {
      cairo_set_source_rgb(cr, 0.13, 0.13, 0.13);
      cairo_rectangle(cr, kx, y, kKeyStrip * 0.62, l.key_height);
      cairo_fill(cr);
    }
    if (k % 12 == 0 || k % 12 == 5) {  // where two white keys meet
      cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
      cairo_move_to(cr, kx, std::floor(y + l.key_height) - 0.5);
      cairo_line_to(cr, kx + kKeyStrip, std::floor(y + l.key_height) - 0.5);
      cairo_stroke(cr);
    }
    const bool label = k % 12 == 0 || (l.key_height >= 12 && !is_black(k));
    if (label) {
      const std::string name = pitch_name(k);
      cairo_set_source_rgb(cr, k % 12 == 0 ? 0.1 : 0.45, k % 12 == 0 ? 0.1 : 0.45, k % 12 == 0 ? 0.1 : 0.45);
      cairo_move_to(cr, kx - 4 - text_width(cr, name), y + l.key_height / 2 + 4);
      cairo_show_text(cr, name.c_str());
    }
  }
  cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
  cairo_rectangle(cr, kx + 0.5, l.roll_top + 0.5, kKeyStrip - 1, l.roll_bottom - l.roll_top - 1);
  cairo_stroke(cr);

  // The notes, clipped to the roll.
  cairo_save(cr);
  cairo_rectangle(cr, l.roll_left, l.roll_top, l.roll_right - l.roll_left, l.roll_bottom - l.roll_top);
  cairo_clip(cr);
  for (std::size_t i = 0; i < score.parts.size(); ++i) {
    const Rgb c = part_colour(i);
    for (const Note& n : score.parts[i].notes) {
      if (!std::isfinite(n.start) || !std::isfinite(n.end) || n.pitch < l.low || n.pitch > l.high) continue;
      const double x0 = l.x_of(n.start), x1 = std::max(x0 + 2, l.x_of(n.end) - 1);
      cairo_set_source_rgba(cr, c.r, c.g, c.b, velocity_opacity(n.velocity));
      cairo_rectangle(cr, x0, l.row_top(n.pitch) + 1, x1 - x0, l.key_height - 1);
      cairo_fill(cr);
    }
  }
  cairo_restore(cr);
  cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
  cairo_rectangle(cr, l.roll_left - 0.5, l.roll_top - 0.5, l.roll_right - l.roll_left + 1, l.roll_bottom - l.roll_top + 1);
  cairo_stroke(cr);

  for (const LegendItem& item : p.legend) {
    double x = item.x;
    if (item.swatch) {
      cairo_set_source_rgba(cr, item.colour.r, item.colour.g, item.colour.b, item.opacity);
      cairo_rectangle(cr, x, item.y + 2, 12, 12);
      cairo_fill(cr);
      x += 16;
    }
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_move_to(cr, x, item.y + 12);
    cairo_show_text(cr, item.text.c_str());
  }
}

}  // namespace

Rgb part_colour(std::size_t part_index) {
  static constexpr std::array<Rgb, 8> kOkabeIto{{{0 / 255.0, 114 / 255.0, 178 / 255.0},
                                                  {230 / 255.0, 159 / 255.0, 0 / 255.0},
                                                  {0 / 255.0, 158 / 255.0, 115 / 255.0},
                                                  {213 / 255.0, 94 / 255.0, 0 / 255.0},
                                                  {204 / 255.0, 121 / 255.0, 167 / 255.0},
                                                  {86 / 255.0, 180 / 255.0, 233 / 255.0},
                                                  {240 / 255.0, 228 / 255.0, 66 / 255.0},
                                                  {0, 0, 0}}};
  return kOkabeIto[part_index % kOkabeIto.size()];
}

double velocity_opacity(int velocity) { return 0.25 + 0.75 * (std::clamp(velocity, 1, 127) - 1) / 126.0; }

std::string pitch_name(int pitch) {
  static constexpr std::array<const char*, 12> kNames{"C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"};
  return std::string(kNames[static_cast<std::size_t>(((pitch % 12) + 12) % 12)]) +
         std::to_string((pitch - ((pitch % 12) + 12) % 12) / 12 - 1);
}

PianoRollLayout piano_roll_layout(const Score& score, const PianoRollOptions& options) {
  return plan(score, options).layout;
}

std::string piano_roll_image(const Score& score, const PianoRollOptions& options, ImageFormat format) {
  const Plan p = plan(score, options);
  return draw_image(format, p.layout.width, p.layout.height,
                    [&](cairo_t* cr) { draw(cr, score, options, p); });
}

}  // namespace clara
