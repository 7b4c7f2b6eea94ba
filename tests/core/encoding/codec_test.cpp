#include "core/encoding/codec.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace clara {
namespace {

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

Score violin_and_piano() {
  Score s;
  Part v{"Violin", 40, 0, 0, {{76, 0.0, 1.0, 90}, {79, 1.0, 1.5, 90}}};
  Part p{"Piano", 0, 1, 1, {{48, 0.0, 2.0, 70}, {55, 0.5, 1.0, 70}}};
  s.parts = {v, p};
  return s;
}

TEST(Codec, EncodingNamesParseAndBadOnesAreRejected) {
  EXPECT_EQ(parse_encoding("chamber"), Encoding::chamber);
  EXPECT_EQ(to_string(Encoding::chordwise), "chordwise");
  EXPECT_THROW(parse_encoding("Notewise"), EncodingError);
  EXPECT_EQ(EncodingSpec::defaults(Encoding::chordwise).sample_freq, 4);
  EXPECT_EQ(EncodingSpec::defaults(Encoding::notewise).sample_freq, 12);
  EXPECT_EQ(EncodingSpec::defaults(Encoding::chamber).parts, PartTable::solo_piano());
  EncodingSpec bad = EncodingSpec::defaults(Encoding::notewise);
  bad.sample_freq = 0;
  EXPECT_THROW(bad.validate(), EncodingError);
}

TEST(Codec, DetectsEachEncodingFromItsTokens) {
  for (Encoding e : {Encoding::notewise, Encoding::chordwise, Encoding::chamber}) {
    const EncodingSpec spec = EncodingSpec::defaults(e);
    EncodeCounts c;
    const std::vector<std::string> tokens = encode_score(violin_and_piano(), spec, c);
    const EncodingSpec found = detect_spec(tokens);
    EXPECT_EQ(found.encoding, e) << to_string(e);
    EXPECT_EQ(found.parts, spec.parts) << to_string(e);
    EXPECT_EQ(found.range, spec.range) << to_string(e);
  }
  EXPECT_EQ(detect_encoding(words("<unk> vi3 vc5 wait2 endvla4")), Encoding::chamber);
  EXPECT_EQ(detect_spec(words("vi3 vc5 wait2")).parts, PartTable::string_quartet());
  EXPECT_THROW(detect_spec(words("wait3 <eos>")), EncodingError);
  EXPECT_THROW(detect_spec(words("q3 wait1")), EncodingError);
  EXPECT_THROW(detect_spec(words("p70 wait1")), EncodingError);
}

TEST(Codec, EncodeLineJoinsTheTokensWithSingleSpaces) {
  for (Encoding e : {Encoding::notewise, Encoding::chordwise, Encoding::chamber}) {
    const EncodingSpec spec = EncodingSpec::defaults(e);
    EncodeCounts c;
    const GridPiece g = quantise(violin_and_piano(), spec, c);
    const std::vector<std::string> tokens = encode(g, spec);
    std::string joined;
    for (const std::string& t : tokens) joined += (joined.empty() ? "" : " ") + t;
    EXPECT_EQ(encode_line(g, spec), joined) << to_string(e);
  }
  EXPECT_EQ(encode_line(GridPiece{}, EncodingSpec::defaults(Encoding::notewise)), "");
}

TEST(Codec, ChamberScoreRoundTripsThroughTokens) {
  const Score in = violin_and_piano();
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::chamber);
  EncodeCounts ec;
  const std::vector<std::string> tokens = encode_score(in, spec, ec);
  EXPECT_EQ(tokens.front(), "v43");  // E5 on the solo line first
  DecodeCounts dc;
  const Score out = to_score(parse_tokens(tokens, spec, dc), spec);
  ASSERT_EQ(out.parts.size(), 2u);
  for (std::size_t p = 0; p < 2; ++p) {
    ASSERT_EQ(out.parts[p].notes.size(), in.parts[p].notes.size());
    for (std::size_t i = 0; i < in.parts[p].notes.size(); ++i) {
      EXPECT_EQ(out.parts[p].notes[i].pitch, in.parts[p].notes[i].pitch);
      EXPECT_EQ(out.parts[p].notes[i].start, in.parts[p].notes[i].start);
      EXPECT_EQ(out.parts[p].notes[i].end, in.parts[p].notes[i].end);
    }
  }
}

TEST(Codec, ChordwiseScoreKeepsOnsetsWithTwoStepNotes) {
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::chordwise);
  EncodeCounts ec;
  DecodeCounts dc;
  const Score out = to_score(parse_tokens(encode_score(violin_and_piano(), spec, ec), spec, dc), spec);
  ASSERT_EQ(out.parts.size(), 1u);
  ASSERT_EQ(out.parts[0].notes.size(), 4u);
  for (const Note& n : out.parts[0].notes) EXPECT_DOUBLE_EQ(n.end - n.start, 0.5);
  EXPECT_EQ(out.parts[0].notes[2].pitch, 55);
  EXPECT_DOUBLE_EQ(out.parts[0].notes[2].start, 0.5);
}

}  // namespace
}  // namespace clara
