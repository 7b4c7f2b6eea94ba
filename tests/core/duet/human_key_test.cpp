#include "core/duet/human_key.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <initializer_list>

namespace clara {
namespace {

constexpr int kSf = 12;  // grid steps a beat

// Plays `keys` one after another from `step`, each `steps` long; returns the step after.
std::int64_t play(HumanKey& h, std::initializer_list<int> keys, std::int64_t step, std::int64_t steps) {
  for (int k : keys) {
    h.note_on(k, step);
    h.note_off(k, step + steps);
    step += steps;
  }
  return step;
}

TEST(HumanKey, NoKeyUntilANoteHasEnded) {
  HumanKey h(kSf);
  EXPECT_FALSE(h.key());
  h.note_on(60, 0);
  EXPECT_FALSE(h.key()) << "a note counts when it ends";
  h.note_off(62, 10);  // never went down
  EXPECT_EQ(h.profile()[2], 0.0);
  h.note_off(60, 24);
  ASSERT_TRUE(h.key());
  EXPECT_EQ(h.profile()[0], 2.0);  // two beats of C
}

TEST(HumanKey, ScalesGiveTheirKeys) {
  HumanKey c(kSf);
  // C major, the tonic and dominant held longer as a melody would.
  std::int64_t s = play(c, {60, 62, 64, 65, 67, 69, 71, 72}, 0, 6);
  play(c, {60, 67, 64, 60}, s, 12);
  ASSERT_TRUE(c.key());
  EXPECT_EQ(*c.key(), (Key{0, KeyMode::major}));

  HumanKey a(kSf);  // A harmonic minor, tonic weighted
  s = play(a, {57, 59, 60, 62, 64, 65, 68, 69}, 0, 6);
  play(a, {57, 64, 60, 57}, s, 12);
  ASSERT_TRUE(a.key());
  EXPECT_EQ(*a.key(), (Key{9, KeyMode::minor}));
}

TEST(HumanKey, ANoteWeighsItsLengthAndDecaysWithAHalfLifeOf16Beats) {
  HumanKey h(kSf);
  play(h, {60}, 0, 24);                // C, 2 beats, ends at step 24
  play(h, {64}, 24 + 16 * kSf, 12);    // E, 1 beat, ends 17 beats later
  EXPECT_DOUBLE_EQ(h.profile()[4], 1.0);
  EXPECT_NEAR(h.profile()[0], 2.0 * std::exp2(-17.0 / 16.0), 1e-12);
}

TEST(HumanKey, RecentNotesOutweighOldOnes) {
  HumanKey h(kSf);
  // Long ago, C major, four times as long as what follows; then, 64 beats (four half-lives)
  // later, F# major. Without the decay C major would win.
  std::int64_t s = play(h, {60, 62, 64, 65, 67, 69, 71, 60, 67}, 0, 4 * 6);
  s += 64 * kSf;
  play(h, {66, 68, 70, 71, 73, 75, 77, 66, 73}, s, 6);
  ASSERT_TRUE(h.key());
  EXPECT_EQ(*h.key(), (Key{6, KeyMode::major}));
}

TEST(HumanKey, ClearForgetsNotesAndHeldKeys) {
  HumanKey h(kSf);
  play(h, {60, 64, 67}, 0, 12);
  h.note_on(62, 40);
  ASSERT_TRUE(h.key());
  h.clear();
  EXPECT_FALSE(h.key());
  h.note_off(62, 50);  // went down before the clear: counts nothing
  for (double w : h.profile()) EXPECT_EQ(w, 0.0);
}

TEST(HumanKey, TheBiasIsZeroOnAverageAndFavoursTheScale) {
  for (const Key key : {Key{0, KeyMode::major}, Key{2, KeyMode::minor}, Key{10, KeyMode::major}}) {
    SCOPED_TRACE(to_string(key));
    const auto bias = key_keeping_bias(key);
    double sum = 0;
    for (double b : bias) sum += b;
    EXPECT_NEAR(sum, 0.0, 1e-12);
    // Major scale, or natural minor: every degree above every chromatic note.
    const std::initializer_list<int> major{0, 2, 4, 5, 7, 9, 11}, minor{0, 2, 3, 5, 7, 8, 10};
    const auto scale = key.mode == KeyMode::major ? major : minor;
    double lowest_in = 1e9, highest_out = -1e9;
    for (int pc = 0; pc < 12; ++pc) {
      const double b = bias[static_cast<std::size_t>((pc + key.tonic) % 12)];
      bool in = false;
      for (int d : scale) in |= d == pc;
      if (in) lowest_in = std::min(lowest_in, b);
      else highest_out = std::max(highest_out, b);
    }
    EXPECT_GT(lowest_in, highest_out);
    EXPECT_GT(bias[static_cast<std::size_t>(key.tonic)], 0.5);  // the tonic most of all
  }
}

TEST(HumanKey, RefusesAGridWithoutSteps) { EXPECT_THROW(HumanKey(0), std::invalid_argument); }

}  // namespace
}  // namespace clara
