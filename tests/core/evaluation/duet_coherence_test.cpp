#include "core/evaluation/duet_coherence.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace clara {
namespace {

// Four bars of 4/4 in C major (scale and cadence), from beat 0.
std::vector<Note> c_major(int shift = 0) {
  std::vector<Note> out;
  double t = 0;
  for (int p : {60, 62, 64, 65, 67, 69, 71, 72}) {
    out.push_back(Note{p + shift, t, t + 1, 80});
    t += 1;
  }
  for (const auto& chord :
       std::vector<std::vector<int>>{{48, 64, 67}, {53, 65, 69}, {55, 62, 71}, {48, 64, 72}}) {
    for (int p : chord) out.push_back(Note{p + shift, t, t + 2, 80});
    t += 2;
  }
  return out;
}

TEST(DuetCoherence, AnAnswerInTheSameKeyAgrees) {
  const auto phrase = c_major();
  const auto answer = c_major();
  const CoherenceScores s = score_answer({phrase, 16}, {answer, 16}, 4);
  ASSERT_TRUE(s.phrase_key && s.answer_key);
  EXPECT_EQ(to_string(*s.phrase_key), "C major");
  EXPECT_TRUE(s.same_key);
  EXPECT_TRUE(s.related_key);
  EXPECT_DOUBLE_EQ(*s.pc_distance, 0.0);
  EXPECT_DOUBLE_EQ(s.phrase_density, 20.0 / 16);
  EXPECT_DOUBLE_EQ(s.answer_density, 20.0 / 16);
  // Last bar of the phrase (beats 12..16: 55 62 71 then 48 64 72) against the first of the answer
  // (60..65).
  EXPECT_DOUBLE_EQ(*s.register_distance,
                   std::abs((55 + 62 + 71 + 48 + 64 + 72) / 6.0 - (60 + 62 + 64 + 65) / 4.0));
  EXPECT_EQ(s.answer_notes, 20u);
}

TEST(DuetCoherence, DominantAgreesTritoneDoesNot) {
  const auto phrase = c_major();
  const auto dominant = c_major(7);
  const CoherenceScores g = score_answer({phrase, 16}, {dominant, 16}, 4);
  EXPECT_FALSE(g.same_key);
  EXPECT_TRUE(g.related_key);
  const auto tritone = c_major(6);
  const CoherenceScores fs = score_answer({phrase, 16}, {tritone, 16}, 4);
  EXPECT_FALSE(fs.related_key);
  EXPECT_GT(*fs.pc_distance, *g.pc_distance);
}

TEST(DuetCoherence, EmptyAnswerDisagreesAndIsCounted) {
  const auto phrase = c_major();
  const CoherenceScores s = score_answer({phrase, 16}, {std::span<const Note>{}, 16}, 4);
  EXPECT_FALSE(s.answer_key);
  EXPECT_FALSE(s.related_key);
  EXPECT_FALSE(s.pc_distance);
  EXPECT_FALSE(s.register_distance);
  EXPECT_EQ(s.answer_density, 0.0);
  EXPECT_THROW(score_answer({phrase, 0}, {phrase, 16}, 4), std::invalid_argument);
}

TEST(DuetCoherence, SummaryAveragesOverDefinedScores) {
  const auto phrase = c_major();
  const auto same = c_major();
  const auto far = c_major(6);
  std::vector<CoherenceScores> all{score_answer({phrase, 16}, {same, 16}, 4),
                                   score_answer({phrase, 16}, {far, 16}, 4),
                                   score_answer({phrase, 16}, {std::span<const Note>{}, 16}, 4)};
  const CoherenceSummary m =
      summarise(all, BootstrapOptions{.seed = 1, .resamples = 200, .level = 0.95});
  EXPECT_EQ(m.phrases, 3u);
  EXPECT_EQ(m.empty_answers, 1u);
  EXPECT_DOUBLE_EQ(m.related_key_rate, 1.0 / 3);
  EXPECT_DOUBLE_EQ(m.same_key_rate, 1.0 / 3);
  EXPECT_EQ(m.pc_distance_count, 2u);
  EXPECT_DOUBLE_EQ(m.pc_distance, (0.0 + *all[1].pc_distance) / 2);
  EXPECT_DOUBLE_EQ(m.answer_density, (20.0 / 16 * 2) / 3);
  EXPECT_DOUBLE_EQ(m.density_difference, (0 + 0 + 20.0 / 16) / 3);
  EXPECT_EQ(m.register_distance_count, 2u);
  EXPECT_LE(m.related_key_interval.low, m.related_key_rate);
  EXPECT_GE(m.related_key_interval.high, m.related_key_rate);
  EXPECT_THROW(summarise(std::vector<CoherenceScores>{}, BootstrapOptions{}),
               std::invalid_argument);
}

}  // namespace
}  // namespace clara
