#include "core/encoding/split.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace clara {

namespace {

// FNV-1a then a SplitMix64 finaliser: stable across platforms and releases,
// which std::hash is not. Quality needs are modest (a uniform draw per path).
std::uint64_t mix(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double unit_draw(std::string_view path, std::uint64_t seed) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : path) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  // Top 53 bits make an exact double in [0, 1).
  return static_cast<double>(mix(h ^ mix(seed)) >> 11) * 0x1.0p-53;
}

}  // namespace

std::string_view to_string(Split s) {
  switch (s) {
    case Split::train: return "train";
    case Split::valid: return "valid";
    case Split::test: return "test";
  }
  return "train";
}

void SplitOptions::validate() const {
  if (!(valid >= 0 && valid <= 1) || !(test >= 0 && test <= 1) || valid + test > 1)
    throw std::invalid_argument("split fractions valid=" + std::to_string(valid) +
                                " test=" + std::to_string(test) +
                                " must each be in [0, 1] and sum to at most 1");
}

Split assign_split(std::string_view relative_path, const SplitOptions& options) {
  options.validate();
  const double u = unit_draw(relative_path, options.seed);
  if (u < options.valid) return Split::valid;
  if (u < options.valid + options.test) return Split::test;
  return Split::train;
}

CorpusSplit split_corpus(const std::vector<std::string>& paths, const SplitOptions& options) {
  options.validate();
  const std::size_t n = paths.size();
  std::vector<double> draw(n);
  CorpusSplit out;
  out.splits.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    draw[i] = unit_draw(paths[i], options.seed);
    out.splits[i] = assign_split(paths[i], options);
    ++out.pieces[static_cast<int>(out.splits[i])];
  }
  // Each split's interval of draws: valid [0, v), test [v, v + t), train [v + t, 1).
  const double lo[3] = {options.valid + options.test, 0.0, options.valid};
  const double hi[3] = {1.0, options.valid, options.valid + options.test};
  const double fraction[3] = {1.0 - options.valid - options.test, options.valid, options.test};
  auto distance = [&](std::size_t i, int s) {
    return draw[i] < lo[s] ? lo[s] - draw[i] : draw[i] >= hi[s] ? draw[i] - hi[s] : 0.0;
  };
  // The splits asked for, in the order they claim a piece: train, then valid, then test.
  // The j-th of them is entitled to a piece once the corpus has j + 1 pieces.
  std::vector<int> wanted;
  for (int s : {static_cast<int>(Split::train), static_cast<int>(Split::valid), static_cast<int>(Split::test)})
    if (fraction[s] > 1e-12) wanted.push_back(s);  // 1e-12: 1 - 0.3 - 0.7 is not quite 0
  const std::size_t entitled_count = std::min(n, wanted.size());
  bool entitled[3] = {false, false, false};
  for (std::size_t j = 0; j < entitled_count; ++j) entitled[wanted[j]] = true;
  auto nearest = [&](int target, auto&& eligible) {
    std::size_t best = n;
    for (std::size_t i = 0; i < n; ++i) {
      if (!eligible(static_cast<int>(out.splits[i]))) continue;
      if (best == n || distance(i, target) < distance(best, target) ||
          (distance(i, target) == distance(best, target) && paths[i] < paths[best]))
        best = i;
    }
    return best;
  };
  auto move = [&](std::size_t i, int to) {
    --out.pieces[static_cast<int>(out.splits[i])];
    out.splits[i] = static_cast<Split>(to);
    ++out.pieces[to];
  };
  for (std::size_t j = 0; j < entitled_count; ++j) {
    const int s = wanted[j];
    if (out.pieces[s] > 0) continue;
    // First from a split too small a corpus cannot keep (test with two pieces), else from the
    // split with the most pieces (ties to train, then valid) that still keeps one.
    bool spare = false;
    for (int d = 0; d < 3; ++d) spare |= !entitled[d] && out.pieces[d] > 0;
    int donor = -1;
    for (int d = 0; d < 3; ++d)
      if (d != s && out.pieces[d] >= 2 && (donor < 0 || out.pieces[d] > out.pieces[donor])) donor = d;
    const std::size_t i = spare ? nearest(s, [&](int d) { return !entitled[d]; })
                                : nearest(s, [&](int d) { return d == donor; });
    if (i < n) move(i, s);
  }
  if (entitled_count > 0)
    for (std::size_t i = 0; i < n; ++i)
      if (!entitled[static_cast<int>(out.splits[i])]) move(i, wanted[0]);
  std::string missing;
  for (std::size_t j = entitled_count; j < wanted.size(); ++j)
    missing += std::string(missing.empty() ? "" : ", ") + "none for " +
               std::string(to_string(static_cast<Split>(wanted[j]))) + " (needs " + std::to_string(j + 1) +
               " or more)";
  if (!missing.empty())
    out.warning = std::to_string(n) + (n == 1 ? " piece: " : " pieces: ") + missing;
  return out;
}

std::vector<int> transpositions_for(Split s) {
  if (s != Split::train) return {0};
  std::vector<int> out;
  for (int k = -5; k <= 6; ++k) out.push_back(k);
  return out;
}

}  // namespace clara
