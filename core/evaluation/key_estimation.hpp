#pragma once
// Which key a passage is in, by the Krumhansl-Schmuckler algorithm: the passage's
// duration-weighted pitch-class profile is correlated (Pearson) with the 24
// rotations of the Krumhansl-Kessler (1982) major and minor probe-tone profiles,
// and the best-correlated rotation is the key.
#include <array>
#include <optional>
#include <span>
#include <string>

#include "core/midi/score.hpp"

namespace clara {

enum class KeyMode { major, minor };

struct Key {
  int tonic = 0;  // pitch class 0..11, 0 = C
  KeyMode mode = KeyMode::major;
  bool operator==(const Key&) const = default;
};

// "C major", "F# minor" (sharps only: the estimate cannot tell enharmonics apart).
std::string to_string(const Key& key);

// The same key moved by `semitones` (any sign).
Key transposed(const Key& key, int semitones);

// Time each pitch class sounds, in quarters (a note counts its end - start; chords count
// every note). Index 0 = C.
using PitchClassProfile = std::array<double, 12>;
PitchClassProfile duration_profile(std::span<const Note> notes);

struct KeyEstimate {
  Key key;
  double correlation = 0;  // of the profile with the key's rotated profile, in [-1, 1]
  // The 24 correlations: [0..11] the majors on C..B, [12..23] the minors on C..B.
  std::array<double, 24> correlations{};
};

// nullopt when the profile has no variance (no notes, or all twelve pitch classes equally
// long): no key is more likely than another. Ties go to the first in correlations' order.
std::optional<KeyEstimate> estimate_key(const PitchClassProfile& profile);
std::optional<KeyEstimate> estimate_key(std::span<const Note> notes);

// The Krumhansl-Kessler probe-tone profile of `key`, indexed by pitch class (0 = C): the
// major or minor profile rotated so that its tonic sits on key.tonic. All entries > 0.
std::array<double, 12> key_profile(const Key& key);

// Position of a key's signature on the circle of fifths, 0..11: C major and A minor 0,
// G major / E minor 1, ..., F major / D minor 11. A minor key is placed at its relative major.
int fifths_position(const Key& key);

// Same key, or closely related: the textbook set of keys whose signatures differ by at most
// one accidental, i.e. whose fifths_position()s are at most one step apart on the circle.
// For C major that is C major, A minor (relative), G major and F major (dominant and
// subdominant) and E minor and D minor (their relatives); for A minor the same six. The
// parallel key (C major / C minor, three accidentals apart) is NOT closely related here.
// The relation is symmetric.
bool same_or_closely_related(const Key& a, const Key& b);

}  // namespace clara
