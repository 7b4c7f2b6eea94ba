#include "core/render/bar_grid.hpp"

#include <algorithm>
#include <cmath>

namespace clara {

std::vector<Bar> bar_grid(const std::vector<TimeSignature>& signatures, double end, std::size_t max_bars) {
  std::vector<TimeSignature> ts;
  for (const auto& s : signatures)
    if (std::isfinite(s.quarter) && s.quarter >= 0 && s.numerator > 0 && s.denominator > 0) ts.push_back(s);
  std::stable_sort(ts.begin(), ts.end(), [](const auto& a, const auto& b) { return a.quarter < b.quarter; });
  // Of several signatures at one position the last one written counts, as in a MIDI file.
  std::vector<TimeSignature> metre{TimeSignature{0, 4, 4}};
  for (const auto& s : ts) {
    if (metre.back().quarter == s.quarter) metre.back() = s;
    else metre.push_back(s);
  }
  if (!std::isfinite(end)) end = 0;

  std::vector<Bar> bars;
  for (std::size_t i = 0; i < metre.size() && bars.size() < max_bars; ++i) {
    const double length = metre[i].numerator * 4.0 / metre[i].denominator;
    const double seg_end = i + 1 < metre.size() ? metre[i + 1].quarter : std::max(end, metre[i].quarter + length);
    // Counted from the segment's start, not accumulated, so long pieces do not drift.
    for (long k = 0; bars.size() < max_bars; ++k) {
      const double start = metre[i].quarter + static_cast<double>(k) * length;
      if (start >= seg_end - 1e-9) break;
      Bar b;
      b.number = static_cast<int>(bars.size()) + 1;
      b.start = start;
      b.length = std::min(length, seg_end - start);
      b.beat = 4.0 / metre[i].denominator;
      b.numerator = metre[i].numerator;
      b.denominator = metre[i].denominator;
      bars.push_back(b);
    }
  }
  return bars;
}

}  // namespace clara
