#include "core/encoding/part_table.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace clara {
namespace {

Part part(std::string name, int program, std::vector<int> pitches) {
  Part p;
  p.name = std::move(name);
  p.program = program;
  double t = 0;
  for (int pitch : pitches) {
    p.notes.push_back({pitch, t, t + 1, 80});
    t += 1;
  }
  return p;
}

TEST(PartTable, ClassifiesByTrackNameFirst) {
  EXPECT_EQ(classify_instrument(part("Violin 1", 0, {})), InstrumentClass::melody);
  EXPECT_EQ(classify_instrument(part("Violoncello", 0, {})), InstrumentClass::melody);
  EXPECT_EQ(classify_instrument(part("pianoUp:", 24, {})), InstrumentClass::keyboard);
  EXPECT_EQ(classify_instrument(part("Harpsichord", 40, {})), InstrumentClass::keyboard);
  EXPECT_EQ(classify_instrument(part("chant:", 22, {})), InstrumentClass::melody);
}

TEST(PartTable, FallsBackToGeneralMidiProgramFamilies) {
  EXPECT_EQ(classify_instrument(part("", 0, {})), InstrumentClass::keyboard);
  EXPECT_EQ(classify_instrument(part("upper:", 19, {})), InstrumentClass::keyboard);
  EXPECT_EQ(classify_instrument(part("", 46, {})), InstrumentClass::keyboard);  // harp
  EXPECT_EQ(classify_instrument(part("one:", 40, {})), InstrumentClass::melody);
  EXPECT_EQ(classify_instrument(part("", 53, {})), InstrumentClass::melody);
  EXPECT_EQ(classify_instrument(part("", 71, {})), InstrumentClass::melody);
  EXPECT_EQ(classify_instrument(part("", 30, {})), InstrumentClass::other);   // guitar
  EXPECT_EQ(classify_instrument(part("", 118, {})), InstrumentClass::other);  // drum
}

TEST(PartTable, SoloPianoPutsTheHighestMelodyPartOnV) {
  Score s;
  s.parts.push_back(part("Piano", 0, {40, 50, 60}));
  s.parts.push_back(part("Cello", 42, {40, 45, 50}));
  s.parts.push_back(part("Violin", 40, {70, 72, 74}));
  s.parts.push_back(part("Viola", 41, {60, 62, 64}));
  s.parts.push_back(part("Empty", 40, {}));
  EXPECT_EQ(PartTable::solo_piano().assign(s), (std::vector<int>{1, 1, 0, 1, -1}));
}

TEST(PartTable, SoloPianoRejectsNoMelodyAndUnknownInstruments) {
  Score piano_only;
  piano_only.parts.push_back(part("Piano", 0, {60}));
  EXPECT_THROW(PartTable::solo_piano().assign(piano_only), PartAssignmentError);
  Score guitar;
  guitar.parts.push_back(part("Violin", 40, {70}));
  guitar.parts.push_back(part("", 25, {60}));
  try {
    PartTable::solo_piano().assign(guitar);
    FAIL() << "guitar accepted";
  } catch (const PartAssignmentError& e) {
    EXPECT_NE(std::string(e.what()).find("part 1"), std::string::npos) << e.what();
  }
}

TEST(PartTable, PianoTableTakesEveryPartWithoutClassifying) {
  Score s;
  s.parts.push_back(part("", 25, {60}));
  s.parts.push_back(part("Violin", 40, {70}));
  EXPECT_EQ(PartTable::piano().assign(s), (std::vector<int>{0, 0}));
}

TEST(PartTable, QuartetOrdersPartsByMeanPitchAndSharesVcBelow) {
  Score s;
  s.parts.push_back(part("Violoncello", 42, {36, 40}));
  s.parts.push_back(part("Viola", 41, {55, 57}));
  s.parts.push_back(part("Violin 2", 40, {62, 64}));
  s.parts.push_back(part("Violin 1", 40, {72, 76}));
  s.parts.push_back(part("Contrabass", 43, {30, 31}));
  EXPECT_EQ(PartTable::string_quartet().assign(s), (std::vector<int>{3, 2, 1, 0, 3}));
  Score trio = s;
  trio.parts.resize(3);
  EXPECT_THROW(PartTable::string_quartet().assign(trio), PartAssignmentError);
  Score with_piano = s;
  with_piano.parts.push_back(part("Piano", 0, {60}));
  EXPECT_THROW(PartTable::string_quartet().assign(with_piano), PartAssignmentError);
}

TEST(PartTable, ValidateRejectsPrefixesTheParserCannotRead) {
  for (const char* bad : {"end", "endv", "wait", "p2", "", "V"}) {
    PartTable t = PartTable::solo_piano();
    t.entries[0].prefix = bad;
    EXPECT_THROW(t.validate(62), std::invalid_argument) << bad;
  }
  PartTable dup = PartTable::solo_piano();
  dup.entries[0].prefix = "p";
  EXPECT_THROW(dup.validate(62), std::invalid_argument);
  PartTable floor = PartTable::solo_piano();
  floor.entries[0].index_floor = 51;
  EXPECT_THROW(floor.validate(62), std::invalid_argument);
  EXPECT_NO_THROW(PartTable::string_quartet().validate(38));
}

TEST(PartTable, ByName) {
  EXPECT_EQ(PartTable::by_name("string_quartet"), PartTable::string_quartet());
  EXPECT_THROW(PartTable::by_name("quartet"), std::invalid_argument);
}

}  // namespace
}  // namespace clara
