#include "core/evaluation/key_estimation.hpp"

#include <algorithm>
#include <cmath>

namespace clara {
namespace {

// Krumhansl & Kessler (1982), probe-tone ratings from the tonic upwards.
constexpr std::array<double, 12> kMajorProfile{6.35, 2.23, 3.48, 2.33, 4.38, 4.09,
                                               2.52, 5.19, 2.39, 3.66, 2.29, 2.88};
constexpr std::array<double, 12> kMinorProfile{6.33, 2.68, 3.52, 5.38, 2.60, 3.53,
                                               2.54, 4.75, 3.98, 2.69, 3.34, 3.17};

constexpr const char* kPitchNames[12] = {"C",  "C#", "D",  "D#", "E",  "F",
                                         "F#", "G",  "G#", "A",  "A#", "B"};

int pc(int value) { return ((value % 12) + 12) % 12; }

// Pearson correlation of x with the profile rotated so that its tonic sits on `tonic`.
double correlation(const PitchClassProfile& x, const std::array<double, 12>& profile, int tonic) {
  double mx = 0, my = 0;
  for (int i = 0; i < 12; ++i) {
    mx += x[static_cast<std::size_t>(i)];
    my += profile[static_cast<std::size_t>(i)];
  }
  mx /= 12;
  my /= 12;
  double sxy = 0, sxx = 0, syy = 0;
  for (int i = 0; i < 12; ++i) {
    const double dx = x[static_cast<std::size_t>(i)] - mx;
    const double dy = profile[static_cast<std::size_t>(pc(i - tonic))] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / std::sqrt(sxx * syy);
}

}  // namespace

std::string to_string(const Key& key) {
  return std::string(kPitchNames[pc(key.tonic)]) +
         (key.mode == KeyMode::major ? " major" : " minor");
}

Key transposed(const Key& key, int semitones) { return Key{pc(key.tonic + semitones), key.mode}; }

PitchClassProfile duration_profile(std::span<const Note> notes) {
  PitchClassProfile p{};
  for (const Note& n : notes)
    p[static_cast<std::size_t>(pc(n.pitch))] += std::max(0.0, n.end - n.start);
  return p;
}

std::optional<KeyEstimate> estimate_key(const PitchClassProfile& profile) {
  double lo = profile[0], hi = profile[0];
  for (double v : profile) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  // Relative tolerance: twelve equal durations summed in another order differ in the last bits.
  if (!(hi - lo > 1e-12 * std::max(1.0, hi))) return std::nullopt;
  KeyEstimate best;
  best.correlation = -2;
  for (int i = 0; i < 24; ++i) {
    const bool major = i < 12;
    const double r = correlation(profile, major ? kMajorProfile : kMinorProfile, i % 12);
    best.correlations[static_cast<std::size_t>(i)] = r;
    if (r > best.correlation) {
      best.correlation = r;
      best.key = Key{i % 12, major ? KeyMode::major : KeyMode::minor};
    }
  }
  return best;
}

std::optional<KeyEstimate> estimate_key(std::span<const Note> notes) {
  return estimate_key(duration_profile(notes));
}

std::array<double, 12> key_profile(const Key& key) {
  const std::array<double, 12>& profile = key.mode == KeyMode::major ? kMajorProfile : kMinorProfile;
  std::array<double, 12> out{};
  for (int i = 0; i < 12; ++i) out[static_cast<std::size_t>(i)] = profile[static_cast<std::size_t>(pc(i - key.tonic))];
  return out;
}

int fifths_position(const Key& key) {
  const int major_tonic = key.mode == KeyMode::major ? key.tonic : key.tonic + 3;
  return pc(major_tonic * 7);  // 7 is its own inverse mod 12: semitones -> steps of a fifth
}

bool same_or_closely_related(const Key& a, const Key& b) {
  const int d = pc(fifths_position(a) - fifths_position(b));
  return d <= 1 || d == 11;
}

}  // namespace clara
