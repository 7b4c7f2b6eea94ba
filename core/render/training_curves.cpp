#include "core/render/training_curves.hpp"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <stdexcept>

#include "core/render/piano_roll.hpp"

namespace clara {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct Panel {
  std::string title;
  std::vector<std::size_t> columns;
  bool log_scale = false;
};

// Tick positions at 1, 2 or 5 times a power of ten, about `count` of them over [lo, hi].
std::vector<double> ticks(double lo, double hi, int count) {
  const double raw = (hi - lo) / count;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> t;
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9 && t.size() < 50; v += step)
    t.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  return t;
}

std::string number(double v) {
  char s[32];
  const double a = std::abs(v);
  if (a != 0 && (a >= 1e6 || a < 1e-3)) std::snprintf(s, sizeof s, "%.3g", v);
  else std::snprintf(s, sizeof s, "%.6g", v);
  return s;
}

void draw_text(cairo_t* cr, double x, double y, const std::string& s, double align = 0) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  cairo_move_to(cr, x - align * e.x_advance, y);
  cairo_show_text(cr, s.c_str());
}

}  // namespace

std::string training_curves_image(const TrainingLog& log, const TrainingCurvesOptions& o, ImageFormat format) {
  if (o.width < 300 || o.width > 8000 || o.panel_height < 120 || o.panel_height > 4000)
    throw std::invalid_argument("training curves: width must be 300..8000 and panel height 120..4000 pixels");
  // The x axis: the first of these the log has with at least one value.
  std::optional<std::size_t> xcol;
  std::string xlabel = "row";
  for (const char* name : {"tokens_seen", "iter", "epoch"})
    if (auto c = log.column(name)) {
      xcol = c, xlabel = name == std::string("tokens_seen") ? "tokens seen" : name == std::string("iter") ? "iterations" : "epochs";
      break;
    }
  Panel loss{"loss (cross-entropy, nats per token)", {}, false}, acc{"accuracy", {}, false}, lr{"learning rate", {}, true};
  for (std::size_t i = 0; i < log.columns.size(); ++i) {
    const std::string& c = log.columns[i];
    if (ends_with(c, "loss")) loss.columns.push_back(i);
    else if (ends_with(c, "acc") || ends_with(c, "accuracy")) acc.columns.push_back(i);
    else if (c == "lr") lr.columns.push_back(i);
  }
  std::vector<Panel> panels;
  for (auto* p : {&loss, &acc, &lr})
    if (!p->columns.empty()) panels.push_back(*p);

  const double left = 78, right = 150, top_title = o.title.empty() ? 8 : 30, gap = 44, bottom = 40;
  const int height = static_cast<int>(top_title + std::max<std::size_t>(panels.size(), 1) * (o.panel_height + gap) + bottom - gap);
  auto x_value = [&](std::size_t r) { return xcol ? log.rows[r][*xcol] : static_cast<double>(r + 1); };
  double x0 = INFINITY, x1 = -INFINITY;
  for (std::size_t r = 0; r < log.rows.size(); ++r)
    if (std::isfinite(x_value(r))) x0 = std::min(x0, x_value(r)), x1 = std::max(x1, x_value(r));
  if (!std::isfinite(x0)) x0 = 0, x1 = 1;
  if (x1 - x0 < 1e-12) x0 -= 0.5, x1 += 0.5;

  return draw_image(format, o.width, height, [&](cairo_t* cr) {
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_line_width(cr, 1);
    if (!o.title.empty()) {
      cairo_set_font_size(cr, 13);
      cairo_set_source_rgb(cr, 0, 0, 0);
      draw_text(cr, left, 20, o.title);
    }
    cairo_set_font_size(cr, 11);
    if (panels.empty()) {
      cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
      draw_text(cr, left, top_title + 40, "no loss, accuracy or lr column in this log");
      return;
    }
    const double pw = o.width - left - right;
    auto sx = [&](double x) { return left + (x - x0) / (x1 - x0) * pw; };
    for (std::size_t pi = 0; pi < panels.size(); ++pi) {
      const Panel& p = panels[pi];
      const double top = top_title + static_cast<double>(pi) * (o.panel_height + gap) + 14, ph = o.panel_height - 14;
      auto tf = [&](double v) { return p.log_scale ? std::log10(v) : v; };
      double y0 = INFINITY, y1 = -INFINITY;
      for (std::size_t c : p.columns)
        for (const auto& row : log.rows)
          if (std::isfinite(row[c]) && (!p.log_scale || row[c] > 0)) y0 = std::min(y0, tf(row[c])), y1 = std::max(y1, tf(row[c]));
      if (!std::isfinite(y0)) y0 = 0, y1 = 1;
      if (y1 - y0 < 1e-12) y0 -= 0.5, y1 += 0.5;
      const double pad = (y1 - y0) * 0.05;
      y0 -= pad, y1 += pad;
      auto sy = [&](double y) { return top + (y1 - tf(y)) / (y1 - y0) * ph; };

      cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
      draw_text(cr, left, top - 4, p.title);
      // Grid and tick labels.
      for (double t : ticks(y0, y1, 5)) {
        const double y = std::floor(top + (y1 - t) / (y1 - y0) * ph) + 0.5;
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        cairo_move_to(cr, left, y);
        cairo_line_to(cr, left + pw, y);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        draw_text(cr, left - 6, y + 4, number(p.log_scale ? std::pow(10.0, t) : t), 1);
      }
      for (double t : ticks(x0, x1, 6)) {
        const double x = std::floor(sx(t)) + 0.5;
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        cairo_move_to(cr, x, top);
        cairo_line_to(cr, x, top + ph);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        draw_text(cr, x, top + ph + 14, number(t), 0.5);
      }
      cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
      cairo_rectangle(cr, left - 0.5, top - 0.5, pw + 1, ph + 1);
      cairo_stroke(cr);
      if (pi + 1 == panels.size()) draw_text(cr, left + pw / 2, top + ph + 30, xlabel, 0.5);

      // One line per column through its values (empty cells skipped: validation is logged
      // less often than training); a lone point gets a dot.
      cairo_save(cr);
      cairo_rectangle(cr, left, top, pw, ph);
      cairo_clip(cr);
      for (std::size_t k = 0; k < p.columns.size(); ++k) {
        const std::size_t c = p.columns[k];
        const Rgb colour = part_colour(k);
        cairo_set_source_rgb(cr, colour.r, colour.g, colour.b);
        cairo_set_line_width(cr, 1.6);
        bool drawing = false;
        std::size_t points = 0;
        double px = 0, py = 0;
        for (std::size_t r = 0; r < log.rows.size(); ++r) {
          const double v = log.rows[r][c], x = x_value(r);
          if (!std::isfinite(v) || !std::isfinite(x) || (p.log_scale && v <= 0)) continue;  // a gap in this column only
          ++points;
          px = sx(x), py = sy(v);
          if (drawing) cairo_line_to(cr, px, py);
          else cairo_move_to(cr, px, py), drawing = true;
        }
        cairo_stroke(cr);
        if (points == 1) {
          cairo_arc(cr, px, py, 2.5, 0, 2 * std::numbers::pi);
          cairo_fill(cr);
        }
      }
      cairo_restore(cr);
      cairo_set_line_width(cr, 1);
      for (std::size_t k = 0; k < p.columns.size(); ++k) {
        const Rgb colour = part_colour(k);
        const double ly = top + 8 + 18 * static_cast<double>(k);
        cairo_set_source_rgb(cr, colour.r, colour.g, colour.b);
        cairo_rectangle(cr, left + pw + 12, ly - 8, 20, 3);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        draw_text(cr, left + pw + 38, ly - 2, log.columns[p.columns[k]]);
      }
    }
  });
}

}  // namespace clara
