#include "core/render/loss_svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace clara::model {
namespace {

std::string fmt(double x, const char* f = "%.4g") {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, x);
  return buf;
}

}  // namespace

std::string loss_curve_svg(const std::vector<LossPoint>& train, const std::vector<LossPoint>& valid) {
  constexpr double W = 720, H = 420, L = 70, R = 20, T = 30, B = 50;
  double x0 = 0, x1 = 1, y0 = INFINITY, y1 = -INFINITY;
  for (const auto* s : {&train, &valid})
    for (const auto& p : *s)
      if (std::isfinite(p.loss) && std::isfinite(p.tokens)) {
        x1 = std::max(x1, p.tokens);
        y0 = std::min(y0, p.loss);
        y1 = std::max(y1, p.loss);
      }
  if (!std::isfinite(y0)) y0 = 0, y1 = 1;
  if (y1 - y0 < 1e-9) y0 -= 0.5, y1 += 0.5;
  auto sx = [&](double x) { return L + (x - x0) / (x1 - x0) * (W - L - R); };
  auto sy = [&](double y) { return T + (y1 - y) / (y1 - y0) * (H - T - B); };

  std::ostringstream os;
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H << "\" viewBox=\"0 0 " << W
     << ' ' << H << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
     << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
     << "<text x=\"" << W / 2 << "\" y=\"18\" text-anchor=\"middle\">loss (cross-entropy, nats/token)</text>\n"
     << "<line x1=\"" << L << "\" y1=\"" << H - B << "\" x2=\"" << W - R << "\" y2=\"" << H - B << "\" stroke=\"black\"/>\n"
     << "<line x1=\"" << L << "\" y1=\"" << T << "\" x2=\"" << L << "\" y2=\"" << H - B << "\" stroke=\"black\"/>\n";
  for (int k = 0; k <= 4; ++k) {
    const double y = y0 + (y1 - y0) * k / 4, x = x0 + (x1 - x0) * k / 4;
    os << "<text x=\"" << L - 6 << "\" y=\"" << fmt(sy(y) + 4, "%.1f") << "\" text-anchor=\"end\">" << fmt(y)
       << "</text>\n<text x=\"" << fmt(sx(x), "%.1f") << "\" y=\"" << H - B + 16 << "\" text-anchor=\"middle\">"
       << fmt(x, "%.3g") << "</text>\n";
  }
  os << "<text x=\"" << W / 2 << "\" y=\"" << H - 10 << "\" text-anchor=\"middle\">tokens seen</text>\n";
  auto line = [&](const std::vector<LossPoint>& s, const char* colour, const char* label, int row) {
    std::string pts;
    for (const auto& p : s)
      if (std::isfinite(p.loss) && std::isfinite(p.tokens)) pts += fmt(sx(p.tokens), "%.1f") + "," + fmt(sy(p.loss), "%.1f") + " ";
    if (!pts.empty())
      os << "<polyline fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"1.5\" points=\"" << pts << "\"/>\n";
    os << "<text x=\"" << W - R - 110 << "\" y=\"" << T + 14 * row << "\" fill=\"" << colour << "\">" << label
       << "</text>\n";
  };
  line(train, "#1f77b4", "train", 1);
  line(valid, "#d62728", "validation", 2);
  os << "</svg>\n";
  return os.str();
}

}  // namespace clara::model
