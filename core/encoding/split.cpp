#include "core/encoding/split.hpp"

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

std::vector<int> transpositions_for(Split s) {
  if (s != Split::train) return {0};
  std::vector<int> out;
  for (int k = -5; k <= 6; ++k) out.push_back(k);
  return out;
}

}  // namespace clara
