#include "core/evaluation/pitch_class_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace clara {
namespace {

double sum(const PitchClassHistogram& h) {
  double s = 0;
  for (double v : h) s += v;
  return s;
}

// KL(p || m) in bits, where m >= p / 2 wherever p > 0.
double kl_bits(const PitchClassHistogram& p, const PitchClassHistogram& m) {
  double d = 0;
  for (std::size_t i = 0; i < 12; ++i)
    if (p[i] > 0) d += p[i] * std::log2(p[i] / m[i]);
  return d;
}

}  // namespace

PitchClassHistogram pitch_class_histogram(std::span<const Note> notes) {
  PitchClassHistogram h{};
  for (const Note& n : notes) h[static_cast<std::size_t>(((n.pitch % 12) + 12) % 12)] += 1;
  const double total = sum(h);
  if (total > 0)
    for (double& v : h) v /= total;
  return h;
}

std::optional<double> jensen_shannon_distance(const PitchClassHistogram& p,
                                              const PitchClassHistogram& q) {
  const double sp = sum(p), sq = sum(q);
  if (!(sp > 0) || !(sq > 0)) return std::nullopt;
  PitchClassHistogram pn, qn, m;
  for (std::size_t i = 0; i < 12; ++i) {
    pn[i] = p[i] / sp;
    qn[i] = q[i] / sq;
    m[i] = (pn[i] + qn[i]) / 2;
  }
  // Rounding can leave a hair below 0 or above 1.
  return std::clamp((kl_bits(pn, m) + kl_bits(qn, m)) / 2, 0.0, 1.0);
}

}  // namespace clara
