#include "core/encoding/notewise_codec.hpp"

#include <gtest/gtest.h>

#include <random>
#include <sstream>

#include "core/encoding/codec.hpp"

namespace clara {
namespace {

std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string join(const std::vector<std::string>& tokens) {
  std::string out;
  for (const std::string& t : tokens) out += (out.empty() ? "" : " ") + t;
  return out;
}

GridPiece grid(int parts, std::vector<GridNote> notes) {
  GridPiece g;
  g.parts = parts;
  g.notes = std::move(notes);
  std::size_t merged = 0;
  normalise(g, merged);
  return g;
}

const EncodingSpec kPiano = EncodingSpec::defaults(Encoding::notewise);
const EncodingSpec kChamber = EncodingSpec::defaults(Encoding::chamber);

TEST(NotewiseCodec, OneAndTwoStepNotesAsInSpec) {
  EXPECT_EQ(join(encode_notewise(grid(1, {{0, 5, 0, 1}}), kPiano)), "p5 endp5 wait1");
  EXPECT_EQ(join(encode_notewise(grid(1, {{0, 5, 0, 2}}), kPiano)), "p5 wait1 endp5 wait1");
}

TEST(NotewiseCodec, WorkedExampleOrdersViolinFirstThenPitchesAscending) {
  // The seed README's example, in the order the seed's code actually writes it.
  const GridPiece g = grid(2, {{0, 28, 0, 5}, {1, 4, 0, 5}, {1, 18, 0, 5}, {1, 24, 0, 7}, {1, 12, 4, 3}});
  const std::string expected =
      "v28 p4 p18 p24 wait4 endv28 endp4 p12 endp18 wait2 endp12 endp24 wait1";
  EXPECT_EQ(join(encode_notewise(g, kChamber)), expected);
  DecodeCounts c;
  EXPECT_EQ(decode_notewise(split_words(expected), kChamber, c), g);
  EXPECT_EQ(c.invalid + c.skipped + c.unclosed + c.unmatched_ends, 0u);
}

TEST(NotewiseCodec, LongSilencesBecomeSeveralMaximalWaits) {
  const GridPiece g = grid(1, {{0, 0, 0, 1}, {0, 0, 61, 1}});
  EXPECT_EQ(join(encode_notewise(g, kPiano)), "p0 endp0 wait25 wait25 wait11 p0 endp0 wait1");
  EncodingSpec sf4 = kPiano;
  sf4.sample_freq = 4;
  EXPECT_EQ(join(encode_notewise(g, sf4)),
            "p0 endp0 wait9 wait9 wait9 wait9 wait9 wait9 wait7 p0 endp0 wait1");
}

TEST(NotewiseCodec, ReStrikeHasNoEndTokenAndDecodesToTwoNotes) {
  // Same pitch released and struck again at step 3: no end between them.
  const GridPiece g = grid(1, {{0, 10, 0, 3}, {0, 10, 3, 2}});
  const std::vector<std::string> tokens = encode_notewise(g, kPiano);
  EXPECT_EQ(join(tokens), "p10 wait3 p10 wait1 endp10 wait1");
  DecodeCounts c;
  EXPECT_EQ(decode_notewise(tokens, kPiano, c), g);
}

TEST(NotewiseCodec, LongHeldNoteSurvivesMoreThan200Tokens) {
  std::vector<GridNote> notes{{0, 0, 0, 2000}};
  for (int k = 0; k < 300; ++k) notes.push_back({0, 40, 5 * k, 1});
  const GridPiece g = grid(1, notes);
  const std::vector<std::string> tokens = encode_notewise(g, kPiano);
  ASSERT_GT(tokens.size(), 900u);
  DecodeCounts c;
  const GridPiece back = decode_notewise(tokens, kPiano, c);
  EXPECT_EQ(back, g);
  EXPECT_EQ(back.notes.front(), (GridNote{0, 0, 0, 2000}));
}

TEST(NotewiseCodec, TrailingSilenceIsWritten) {
  GridPiece g = grid(1, {{0, 3, 0, 1}});
  g.steps = 40;
  EXPECT_EQ(join(encode_notewise(g, kPiano)), "p3 endp3 wait25 wait15");
  EXPECT_TRUE(encode_notewise(GridPiece{}, kPiano).empty());
}

TEST(NotewiseCodec, DecoderSkipsJunkAndClosesUnclosedNotesAfterTwelveSteps) {
  const std::vector<std::string> tokens = split_words(
      "<unk> p3 x5 p99 wait0 wait endp7 p3 <eos> wait2 endp3 v4 p8 wait1 p03 endp");
  std::vector<std::string> with_empty = tokens;
  with_empty.push_back("");
  DecodeCounts c;
  const GridPiece g = decode_notewise(with_empty, kPiano, c);
  EXPECT_EQ(g.notes, (std::vector<GridNote>{{0, 3, 0, 3}, {0, 8, 2, kUnclosedNoteSteps}}));
  EXPECT_EQ(c.tokens, with_empty.size());
  EXPECT_EQ(c.skipped, 3u);       // <unk> <eos> ""
  EXPECT_EQ(c.invalid, 7u);       // x5 p99 wait0 wait v4 p03 endp
  EXPECT_EQ(c.unmatched_ends, 1u);
  EXPECT_EQ(c.duplicate_onsets, 1u);
  EXPECT_EQ(c.unclosed, 1u);
}

TEST(NotewiseCodec, EndThenOnsetInOneStepDoesNotOverlap) {
  DecodeCounts c;
  const GridPiece g = decode_notewise(split_words("p5 endp5 p5 wait1 endp5 wait1"), kPiano, c);
  // The second onset restarts the pitch in the same step: one note, as a
  // piano-roll row would hold it.
  EXPECT_EQ(g.notes, (std::vector<GridNote>{{0, 5, 0, 2}}));
  EXPECT_EQ(c.duplicate_onsets, 1u);
}

TEST(NotewiseCodec, VocabularyHoldsEveryTokenOnceAndCoversTheEncoder) {
  const Vocabulary v = notewise_vocabulary(kPiano);
  EXPECT_EQ(v.size(), 3u + 62 + 62 + 25);
  EXPECT_TRUE(v.contains("p61"));
  EXPECT_TRUE(v.contains("endp0"));
  EXPECT_TRUE(v.contains("wait25"));
  EXPECT_FALSE(v.contains("wait26"));
  const Vocabulary q = notewise_vocabulary(
      {Encoding::chamber, 5, NoteRange::small(), PartTable::string_quartet()});
  EXPECT_EQ(q.size(), 3u + 4 * 2 * 38 + 11);
  EXPECT_TRUE(q.contains("endvla37"));
}

// SPEC §2.2 written as literally as possible: a dense roll (0 silent, 1 onset,
// 2 held), one bare wait per step, then runs of waits merged up to 2*sf+1.
std::vector<std::string> roll_reference(const GridPiece& g, const EncodingSpec& spec) {
  const int size = spec.range.size;
  std::vector<std::vector<std::vector<int>>> roll(
      static_cast<std::size_t>(g.steps),
      std::vector<std::vector<int>>(static_cast<std::size_t>(g.parts), std::vector<int>(static_cast<std::size_t>(size), 0)));
  for (const GridNote& n : g.notes) {
    roll[static_cast<std::size_t>(n.start)][static_cast<std::size_t>(n.part)][static_cast<std::size_t>(n.index)] = 1;
    for (std::int64_t t = n.start + 1; t < n.end(); ++t)
      roll[static_cast<std::size_t>(t)][static_cast<std::size_t>(n.part)][static_cast<std::size_t>(n.index)] = 2;
  }
  std::vector<std::string> bare;
  for (std::size_t t = 0; t < roll.size(); ++t) {
    for (std::size_t p = 0; p < roll[t].size(); ++p) {
      const std::string& prefix = spec.parts.entries[p].prefix;
      for (std::size_t i = 0; i < roll[t][p].size(); ++i) {
        const int cell = roll[t][p][i];
        if (cell == 1) bare.push_back(prefix + std::to_string(i));
        if (cell != 0 && (t + 1 == roll.size() || roll[t + 1][p][i] == 0))
          bare.push_back("end" + prefix + std::to_string(i));
      }
    }
    bare.push_back("wait");
  }
  std::vector<std::string> out;
  for (std::size_t k = 0; k < bare.size();) {
    if (bare[k] != "wait") {
      out.push_back(bare[k++]);
      continue;
    }
    int n = 0;
    while (k < bare.size() && bare[k] == "wait" && n < spec.max_wait()) ++n, ++k;
    out.push_back("wait" + std::to_string(n));
  }
  return out;
}

TEST(NotewiseCodec, EventSweepMatchesTheDenseRollDefinition) {
  std::mt19937 rng(77);
  for (const EncodingSpec& spec : {kPiano, kChamber}) {
    for (int trial = 0; trial < 500; ++trial) {
      std::vector<GridNote> notes;
      const int n = std::uniform_int_distribution<int>(0, 30)(rng);
      for (int k = 0; k < n; ++k)
        notes.push_back({std::uniform_int_distribution<int>(0, static_cast<int>(spec.parts.entries.size()) - 1)(rng),
                         std::uniform_int_distribution<int>(0, 5)(rng),
                         std::uniform_int_distribution<int>(0, 120)(rng),
                         std::uniform_int_distribution<int>(1, 40)(rng)});
      const GridPiece g = grid(static_cast<int>(spec.parts.entries.size()), notes);
      ASSERT_EQ(encode_notewise(g, spec), roll_reference(g, spec)) << "trial " << trial;
    }
  }
}

// ---- Round-trip property: score -> tokens -> score is exact for grid notes.

struct Voice {
  std::string name;
  int program;
  int low, high;  // MIDI pitches the random notes use
};

Score random_score(std::mt19937& rng, const std::vector<Voice>& voices, int sf) {
  Score s;
  for (const Voice& v : voices) {
    Part p;
    p.name = v.name;
    p.program = v.program;
    const int pitches = std::uniform_int_distribution<int>(1, 6)(rng);
    for (int k = 0; k < pitches; ++k) {
      const int pitch = std::uniform_int_distribution<int>(v.low, v.high)(rng);
      std::int64_t t = std::uniform_int_distribution<int>(0, 40)(rng);
      const int n = std::uniform_int_distribution<int>(k == 0 ? 1 : 0, 12)(rng);
      for (int i = 0; i < n; ++i) {
        // Short and long notes, touching (re-strikes) and separated by gaps up
        // to several maximal waits.
        const int len = std::uniform_int_distribution<int>(0, 3)(rng) == 0
                            ? std::uniform_int_distribution<int>(1, 400)(rng)
                            : std::uniform_int_distribution<int>(1, 2 * sf)(rng);
        bool clash = false;
        for (const Note& o : p.notes)
          if (o.pitch == pitch && o.start * sf < t + len - 0.5 && t < o.end * sf - 0.5) clash = true;
        if (!clash) p.notes.push_back({pitch, double(t) / sf, double(t + len) / sf, 80});
        t += len + (std::uniform_int_distribution<int>(0, 2)(rng) == 0
                        ? 0
                        : std::uniform_int_distribution<int>(1, 8 * sf)(rng));
      }
    }
    s.parts.push_back(std::move(p));
  }
  return s;
}

void expect_same_notes(const Score& in, const Score& out, int trial) {
  ASSERT_EQ(in.parts.size(), out.parts.size());
  for (std::size_t p = 0; p < in.parts.size(); ++p) {
    auto key = [](const Note& n) { return std::tuple(n.start, n.pitch, n.end); };
    std::vector<Note> a = in.parts[p].notes, b = out.parts[p].notes;
    std::sort(a.begin(), a.end(), [&](const Note& x, const Note& y) { return key(x) < key(y); });
    ASSERT_EQ(a.size(), b.size()) << "trial " << trial << " part " << p;
    for (std::size_t i = 0; i < a.size(); ++i) {
      ASSERT_EQ(a[i].pitch, b[i].pitch) << "trial " << trial;
      ASSERT_EQ(a[i].start, b[i].start) << "trial " << trial;
      ASSERT_EQ(a[i].end, b[i].end) << "trial " << trial;
    }
  }
}

void round_trip(const EncodingSpec& spec, const std::vector<Voice>& voices, unsigned seed) {
  std::mt19937 rng(seed);
  for (int trial = 0; trial < 1000; ++trial) {
    const Score in = random_score(rng, voices, spec.sample_freq);
    EncodeCounts ec;
    const std::vector<std::string> tokens = encode_score(in, spec, ec);
    ASSERT_EQ(ec.merged + ec.folded + ec.raised + ec.zero_length, 0u);
    DecodeCounts dc;
    const Score out = to_score(parse_tokens(tokens, spec, dc), spec);
    ASSERT_EQ(dc.invalid + dc.skipped + dc.unclosed + dc.unmatched_ends + dc.duplicate_onsets, 0u);
    expect_same_notes(in, out, trial);
  }
}

const std::vector<Voice> kPianoVoice{{"Piano", 0, 33, 94}};

TEST(NotewiseRoundTrip, Sf12) { round_trip(kPiano, kPianoVoice, 1); }

TEST(NotewiseRoundTrip, Sf4) {
  EncodingSpec spec = kPiano;
  spec.sample_freq = 4;
  round_trip(spec, kPianoVoice, 2);
}

TEST(NotewiseRoundTrip, OddSf5SmallRange) {
  EncodingSpec spec = kPiano;
  spec.sample_freq = 5;
  spec.range = NoteRange::small();
  round_trip(spec, {{"Piano", 0, 45, 82}}, 3);
}

TEST(ChamberRoundTrip, SoloAndPiano) {
  // The violin stays at or above G3 (the table's floor) so nothing is moved.
  round_trip(kChamber, {{"Violin", 40, 55, 94}, {"Piano", 0, 33, 94}}, 4);
}

TEST(ChamberRoundTrip, StringQuartetTable) {
  EncodingSpec spec = kChamber;
  spec.parts = PartTable::string_quartet();
  // Disjoint registers make the mean-pitch order match the table order.
  round_trip(spec,
             {{"Violin 1", 40, 79, 94}, {"Violin 2", 40, 67, 78}, {"Viola", 41, 55, 66},
              {"Violoncello", 42, 36, 54}},
             5);
}

}  // namespace
}  // namespace clara
