#include "core/generation/note_grammar.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace clara {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

Vocabulary tiny() {
  return Vocabulary({"p0", "endp0", "p1", "endp1", "p2", "endp2", "v0", "endv0", "wait1", "wait2", "wait4"});
}

GrammarConfig all_off() {
  GrammarConfig c;
  c.forbid_unmatched_end = false;
  c.forbid_double_onset = false;
  c.max_note_steps = 0;
  c.max_polyphony = 0;
  c.forbid_unk_pad = false;
  return c;
}

std::vector<double> constrained(const NoteGrammar& g) {
  std::vector<double> l(g.table().size(), 0.0);
  g.constrain(l);
  return l;
}

bool allowed(const NoteGrammar& g, const Vocabulary& v, const char* token) {
  return constrained(g)[static_cast<std::size_t>(v.id(token))] > kNegInf;
}

TEST(NoteGrammar, AllRulesOffForbidsNothing) {
  Vocabulary v = tiny();
  NoteGrammar g(v, all_off());
  for (double l : constrained(g)) EXPECT_EQ(l, 0.0);
}

TEST(NoteGrammar, NoEndForSilentNote) {
  Vocabulary v = tiny();
  GrammarConfig c = all_off();
  c.forbid_unmatched_end = true;
  NoteGrammar g(v, c);
  EXPECT_FALSE(allowed(g, v, "endp0"));
  g.observe(v.id("p0"));
  EXPECT_TRUE(allowed(g, v, "endp0"));
  EXPECT_FALSE(allowed(g, v, "endp1"));
  g.observe(v.id("endp0"));
  EXPECT_FALSE(allowed(g, v, "endp0"));
}

TEST(NoteGrammar, NoSecondOnsetOfSoundingNote) {
  Vocabulary v = tiny();
  GrammarConfig c = all_off();
  c.forbid_double_onset = true;
  NoteGrammar g(v, c);
  g.observe(v.id("p1"));
  EXPECT_FALSE(allowed(g, v, "p1"));
  EXPECT_TRUE(allowed(g, v, "p0"));
  EXPECT_TRUE(allowed(g, v, "v0"));
  g.observe(v.id("endp1"));
  EXPECT_TRUE(allowed(g, v, "p1"));
}

TEST(NoteGrammar, PolyphonyCapIsPerInstrument) {
  Vocabulary v = tiny();
  GrammarConfig c = all_off();
  c.max_polyphony = 2;
  NoteGrammar g(v, c);
  g.observe(v.id("p0"));
  EXPECT_TRUE(allowed(g, v, "p2"));
  g.observe(v.id("p1"));
  EXPECT_EQ(g.sounding_count(g.table().prefix_id("p")), 2);
  EXPECT_FALSE(allowed(g, v, "p2"));
  EXPECT_TRUE(allowed(g, v, "v0"));   // the other instrument is not capped
  g.observe(v.id("endp0"));
  EXPECT_TRUE(allowed(g, v, "p2"));
}

TEST(NoteGrammar, ForcesEndAtMaximumLength) {
  Vocabulary v = tiny();
  GrammarConfig c = all_off();
  c.max_note_steps = 3;
  NoteGrammar g(v, c);
  g.observe(v.id("p0"));
  // elapsed 0: a note ended now lasts 1 step; wait2 makes it at least 3, wait4 at least 5.
  EXPECT_TRUE(allowed(g, v, "wait2"));
  EXPECT_FALSE(allowed(g, v, "wait4"));
  g.observe(v.id("wait1"));
  EXPECT_EQ(g.elapsed_steps(g.table().prefix_id("p"), 0), 1);
  EXPECT_TRUE(allowed(g, v, "wait1"));
  EXPECT_FALSE(allowed(g, v, "wait2"));
  g.observe(v.id("wait1"));
  // Now ending gives exactly 3 steps; any wait would exceed, so endp0 is the only choice.
  std::vector<double> l = constrained(g);
  for (std::size_t id = 0; id < l.size(); ++id)
    EXPECT_EQ(l[id] > kNegInf, static_cast<int>(id) == v.id("endp0")) << v.token(static_cast<int>(id));
  g.observe(v.id("endp0"));
  EXPECT_TRUE(allowed(g, v, "wait4"));
}

TEST(NoteGrammar, MaskedEndsDoNotForce) {
  // A held human violin note must not force the model (masked to piano) to emit endv0.
  Vocabulary v = tiny();
  GrammarConfig c = all_off();
  c.max_note_steps = 2;
  NoteGrammar g(v, c);
  g.observe(v.id("v0"));
  g.observe(v.id("wait4"));
  TokenMask mask = mask_for_prefixes(v, {"p"});
  std::vector<double> l(v.size());
  for (std::size_t i = 0; i < l.size(); ++i) l[i] = mask[i] ? 0.0 : kNegInf;
  g.constrain(l);
  EXPECT_GT(l[static_cast<std::size_t>(v.id("wait4"))], kNegInf);
  EXPECT_GT(l[static_cast<std::size_t>(v.id("p0"))], kNegInf);
  // Without the mask the same state forces endv0.
  std::vector<double> open(v.size(), 0.0);
  g.constrain(open);
  EXPECT_EQ(open[static_cast<std::size_t>(v.id("wait1"))], kNegInf);
  EXPECT_GT(open[static_cast<std::size_t>(v.id("endv0"))], kNegInf);
}

TEST(NoteGrammar, UnkAndPadNeverEmitted) {
  Vocabulary v = tiny();
  GrammarConfig c = all_off();
  c.forbid_unk_pad = true;
  NoteGrammar g(v, c);
  auto l = constrained(g);
  EXPECT_EQ(l[Vocabulary::kUnk], kNegInf);
  EXPECT_EQ(l[Vocabulary::kPad], kNegInf);
  EXPECT_EQ(l[Vocabulary::kEos], 0.0);
}

TEST(NoteGrammar, EosReleasesEverythingAndBadInputIsRejected) {
  Vocabulary v = tiny();
  NoteGrammar g(v, GrammarConfig{});
  g.observe(v.id("p0"));
  g.observe(v.id("v0"));
  g.observe(v.id("endp2"));  // tolerated: an end for a silent note
  g.observe(Vocabulary::kEos);
  EXPECT_FALSE(g.sounding(g.table().prefix_id("p"), 0));
  EXPECT_EQ(g.sounding_count(g.table().prefix_id("v")), 0);
  EXPECT_THROW(g.observe(static_cast<int>(v.size())), std::out_of_range);
  EXPECT_THROW(g.observe(-1), std::out_of_range);
  std::vector<double> wrong(3);
  EXPECT_THROW(g.constrain(wrong), std::invalid_argument);
  GrammarConfig neg;
  neg.max_note_steps = -1;
  EXPECT_THROW(NoteGrammar(v, neg), std::invalid_argument);
}

}  // namespace
}  // namespace clara
