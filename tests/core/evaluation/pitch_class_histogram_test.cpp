#include "core/evaluation/pitch_class_histogram.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace clara {
namespace {

std::vector<Note> onsets(const std::vector<int>& pitches, double length = 1) {
  std::vector<Note> out;
  double t = 0;
  for (int p : pitches) {
    out.push_back(Note{p, t, t + length, 80});
    t += 1;
  }
  return out;
}

TEST(PitchClassHistogram, CountsOnsetsAcrossOctavesAndNormalises) {
  std::vector<Note> notes = onsets({60, 72, 48, 64});
  notes[3].end = 100;  // a long note still counts once
  const auto h = pitch_class_histogram(notes);
  EXPECT_DOUBLE_EQ(h[0], 0.75);
  EXPECT_DOUBLE_EQ(h[4], 0.25);
  double sum = 0;
  for (double v : h) sum += v;
  EXPECT_DOUBLE_EQ(sum, 1.0);
  const auto empty = pitch_class_histogram(std::vector<Note>{});
  for (double v : empty) EXPECT_EQ(v, 0.0);
}

TEST(PitchClassHistogram, JensenShannonOnHandComputedCases) {
  const auto c = pitch_class_histogram(onsets({60}));
  const auto e = pitch_class_histogram(onsets({64}));
  const auto ce = pitch_class_histogram(onsets({60, 64}));
  EXPECT_DOUBLE_EQ(*jensen_shannon_distance(c, c), 0.0);
  EXPECT_DOUBLE_EQ(*jensen_shannon_distance(c, e), 1.0);  // nothing in common
  // {1,0} vs {1/2,1/2}: m = {3/4,1/4}; KL(p||m) = log2(4/3), KL(q||m) = 1/2 log2(2/3) + 1/2 log2 2.
  const double expected = (std::log2(4.0 / 3) + 0.5 * std::log2(2.0 / 3) + 0.5) / 2;
  EXPECT_NEAR(*jensen_shannon_distance(c, ce), expected, 1e-12);
  EXPECT_NEAR(*jensen_shannon_distance(ce, c), expected, 1e-12);
  // Transposing a passage by a semitone changes every class: C major triad vs C# major.
  const auto triad = pitch_class_histogram(onsets({60, 64, 67}));
  const auto up = pitch_class_histogram(onsets({61, 65, 68}));
  EXPECT_DOUBLE_EQ(*jensen_shannon_distance(triad, up), 1.0);
  // C major vs A minor triad share C and E: 2 of 3 classes.
  const auto am = pitch_class_histogram(onsets({57, 60, 64}));
  const double d = *jensen_shannon_distance(triad, am);
  EXPECT_GT(d, 0.0);
  EXPECT_LT(d, 1.0);
  EXPECT_NEAR(d, 1.0 / 3, 1e-12);  // the two unshared thirds each give 1/3 * 1 bit, shared 0
}

TEST(PitchClassHistogram, NoDistanceToAnEmptyPassage) {
  const auto c = pitch_class_histogram(onsets({60}));
  const auto none = pitch_class_histogram(std::vector<Note>{});
  EXPECT_FALSE(jensen_shannon_distance(c, none));
  EXPECT_FALSE(jensen_shannon_distance(none, c));
}

}  // namespace
}  // namespace clara
