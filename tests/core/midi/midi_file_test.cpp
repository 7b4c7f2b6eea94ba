#include "core/midi/midi_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace clara {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Builds one track body: every event is a delta time plus raw bytes.
class Track {
 public:
  Track& vlq(std::uint32_t v) {
    std::uint8_t buf[5];
    int n = 0;
    buf[n++] = v & 0x7F;
    while (v >>= 7) buf[n++] = static_cast<std::uint8_t>(0x80 | (v & 0x7F));
    while (n > 0) b_.push_back(buf[--n]);
    return *this;
  }
  Track& raw(std::initializer_list<int> bytes) {
    for (int x : bytes) b_.push_back(static_cast<std::uint8_t>(x));
    return *this;
  }
  Track& ev(std::uint32_t delta, std::initializer_list<int> bytes) { return vlq(delta).raw(bytes); }
  Track& on(std::uint32_t delta, int ch, int key, int vel) { return ev(delta, {0x90 | ch, key, vel}); }
  Track& off(std::uint32_t delta, int ch, int key) { return ev(delta, {0x80 | ch, key, 64}); }
  Track& meta(std::uint32_t delta, int type, const std::string& data) {
    vlq(delta).raw({0xFF, type}).vlq(static_cast<std::uint32_t>(data.size()));
    b_.insert(b_.end(), data.begin(), data.end());
    return *this;
  }
  Track& name(const std::string& n) { return meta(0, 0x03, n); }
  Track& tempo(std::uint32_t delta, std::uint32_t usec) {
    return ev(delta, {0xFF, 0x51, 3, static_cast<int>(usec >> 16), static_cast<int>((usec >> 8) & 0xFF),
                      static_cast<int>(usec & 0xFF)});
  }
  Track& eot(std::uint32_t delta = 0) { return ev(delta, {0xFF, 0x2F, 0}); }
  const Bytes& bytes() const { return b_; }

 private:
  Bytes b_;
};

// Builds a whole file. The header is 14 bytes, so the first track's body
// starts at byte 22.
class Smf {
 public:
  static constexpr std::size_t kFirstBody = 22;
  Smf(int format, int tracks, int division, std::uint32_t header_length = 6) {
    raw({'M', 'T', 'h', 'd'}).u32(header_length).u16(format).u16(tracks).u16(division);
  }
  Smf& chunk(const char* type, const Bytes& body) {
    b_.insert(b_.end(), type, type + 4);
    u32(static_cast<std::uint32_t>(body.size()));
    b_.insert(b_.end(), body.begin(), body.end());
    return *this;
  }
  Smf& track(const Track& t) { return chunk("MTrk", t.bytes()); }
  Smf& raw(std::initializer_list<int> bytes) {
    for (int x : bytes) b_.push_back(static_cast<std::uint8_t>(x));
    return *this;
  }
  Smf& u32(std::uint32_t v) { return raw({int(v >> 24), int((v >> 16) & 0xFF), int((v >> 8) & 0xFF), int(v & 0xFF)}); }
  Smf& u16(int v) { return raw({(v >> 8) & 0xFF, v & 0xFF}); }
  const Bytes& bytes() const { return b_; }
  operator std::span<const std::uint8_t>() const { return b_; }

 private:
  Bytes b_;
};

void expect_error(std::span<const std::uint8_t> bytes, std::size_t offset, const std::string& reason) {
  try {
    read_midi(bytes);
    ADD_FAILURE() << "expected MidiFileError at byte " << offset << " (" << reason << ")";
  } catch (const MidiFileError& e) {
    EXPECT_EQ(e.offset(), offset) << e.what();
    const std::string what = e.what();
    EXPECT_NE(what.find("byte " + std::to_string(offset) + ":"), std::string::npos) << what;
    EXPECT_NE(what.find(reason), std::string::npos) << what;
  }
}

// ---------------------------------------------------------------- reading

TEST(MidiRead, Format0SingleNote) {
  Smf f(0, 1, 96);
  f.track(Track().name("Solo").on(0, 0, 60, 90).off(96, 0, 60).eot());
  const Score s = read_midi(f);
  ASSERT_EQ(s.parts.size(), 1u);
  EXPECT_EQ(s.parts[0].name, "Solo");
  EXPECT_EQ(s.parts[0].program, 0);
  EXPECT_EQ(s.parts[0].track, 0);
  ASSERT_EQ(s.parts[0].notes.size(), 1u);
  const Note& n = s.parts[0].notes[0];
  EXPECT_EQ(n.pitch, 60);
  EXPECT_DOUBLE_EQ(n.start, 0.0);
  EXPECT_DOUBLE_EQ(n.end, 1.0);
  EXPECT_EQ(n.velocity, 90);
  ASSERT_EQ(s.tempo_map.size(), 1u);  // no tempo meta: the MIDI default
  EXPECT_DOUBLE_EQ(s.tempo_map[0].bpm, 120.0);
  EXPECT_TRUE(s.time_signatures.empty());
}

TEST(MidiRead, Format1OnePartPerTrackAndChannel) {
  Smf f(1, 3, 480);
  f.track(Track().name("Conductor").tempo(0, 500000).eot());
  f.track(Track().name("Strings").ev(0, {0xC1, 40}).ev(0, {0xC2, 42}).ev(0, {0xC1, 7})
              .on(0, 2, 50, 70).on(0, 1, 67, 80).off(480, 1, 67).off(0, 2, 50).eot());
  f.track(Track().name("Piano").on(240, 0, 48, 100).off(240, 0, 48).eot());
  const Score s = read_midi(f);
  ASSERT_EQ(s.parts.size(), 3u);
  // Ordered by track, then channel.
  EXPECT_EQ(s.parts[0].name, "Strings");
  EXPECT_EQ(s.parts[0].channel, 1);
  EXPECT_EQ(s.parts[0].program, 40);  // the first program change on the channel wins
  EXPECT_EQ(s.parts[0].track, 1);
  EXPECT_EQ(s.parts[1].channel, 2);
  EXPECT_EQ(s.parts[1].program, 42);
  EXPECT_EQ(s.parts[1].notes.at(0).pitch, 50);
  EXPECT_EQ(s.parts[2].name, "Piano");
  EXPECT_EQ(s.parts[2].track, 2);
  EXPECT_EQ(s.parts[2].program, 0);
  EXPECT_DOUBLE_EQ(s.parts[2].notes.at(0).start, 0.5);
  EXPECT_DOUBLE_EQ(s.parts[2].notes.at(0).end, 1.0);
}

TEST(MidiRead, RunningStatusAndVelocityZeroNoteOff) {
  Smf f(0, 1, 4);
  // One 0x90 status, then data pairs only; velocity 0 ends the note.
  f.track(Track().ev(0, {0x90, 60, 50}).ev(0, {64, 51}).ev(4, {60, 0}).ev(2, {64, 0}).eot());
  const Score s = read_midi(f);
  ASSERT_EQ(s.parts.size(), 1u);
  const auto& n = s.parts[0].notes;
  ASSERT_EQ(n.size(), 2u);
  EXPECT_EQ(n[0].pitch, 60);
  EXPECT_DOUBLE_EQ(n[0].end, 1.0);
  EXPECT_EQ(n[0].velocity, 50);
  EXPECT_EQ(n[1].pitch, 64);
  EXPECT_DOUBLE_EQ(n[1].end, 1.5);
  EXPECT_EQ(n[1].velocity, 51);
}

TEST(MidiRead, OtherChannelMessagesTakeTheRightNumberOfDataBytes) {
  Smf f(0, 1, 1);
  // 0xC0/0xD0 carry one data byte, 0xA0/0xB0/0xE0 two; the running-status
  // repeats would be misread as notes if the counts were wrong.
  f.track(Track()
              .ev(0, {0xD0, 60}).ev(0, {61})
              .ev(0, {0xA0, 62, 1}).ev(0, {63, 2})
              .ev(0, {0xB0, 7, 100}).ev(0, {10, 64})
              .ev(0, {0xE0, 0, 64}).ev(0, {1, 65})
              .ev(0, {0xC0, 5}).ev(0, {6})
              .on(0, 0, 70, 99).off(1, 0, 70).eot());
  const Score s = read_midi(f);
  ASSERT_EQ(s.parts.size(), 1u);
  ASSERT_EQ(s.parts[0].notes.size(), 1u);
  EXPECT_EQ(s.parts[0].notes[0].pitch, 70);
  EXPECT_EQ(s.parts[0].program, 5);
}

TEST(MidiRead, TempoMetasFromEveryTrackAreMerged) {
  Smf f(1, 3, 96);
  f.track(Track().tempo(192, 1000000).eot());          // 60 bpm at quarter 2
  f.track(Track().tempo(96, 400000).on(0, 0, 60, 80).off(96, 0, 60).eot());  // 150 bpm at 1
  f.track(Track().tempo(288, 250000).eot());           // 240 bpm at 3
  const Score s = read_midi(f);
  ASSERT_EQ(s.tempo_map.size(), 4u);
  EXPECT_DOUBLE_EQ(s.tempo_map[0].quarter, 0.0);  // default inserted before the first change
  EXPECT_DOUBLE_EQ(s.tempo_map[0].bpm, 120.0);
  EXPECT_DOUBLE_EQ(s.tempo_map[1].quarter, 1.0);
  EXPECT_DOUBLE_EQ(s.tempo_map[1].bpm, 150.0);
  EXPECT_DOUBLE_EQ(s.tempo_map[2].quarter, 2.0);
  EXPECT_DOUBLE_EQ(s.tempo_map[2].bpm, 60.0);
  EXPECT_DOUBLE_EQ(s.tempo_map[3].quarter, 3.0);
  EXPECT_DOUBLE_EQ(s.tempo_map[3].bpm, 240.0);
  // Positions ignore tempo: the note is one quarter long whatever the bpm.
  EXPECT_DOUBLE_EQ(s.parts.at(0).notes.at(0).end - s.parts[0].notes[0].start, 1.0);
}

TEST(MidiRead, TimeSignatures) {
  Smf f(0, 1, 8);
  f.track(Track().ev(0, {0xFF, 0x58, 4, 3, 3, 24, 8}).ev(24, {0xFF, 0x58, 4, 6, 3, 24, 8})
              .ev(0, {0xFF, 0x58, 4, 2, 1, 24, 8}).eot());
  const Score s = read_midi(f);
  ASSERT_EQ(s.time_signatures.size(), 2u);  // of two at one tick, the later wins
  EXPECT_DOUBLE_EQ(s.time_signatures[0].quarter, 0.0);
  EXPECT_EQ(s.time_signatures[0].numerator, 3);
  EXPECT_EQ(s.time_signatures[0].denominator, 8);
  EXPECT_DOUBLE_EQ(s.time_signatures[1].quarter, 3.0);
  EXPECT_EQ(s.time_signatures[1].numerator, 2);
  EXPECT_EQ(s.time_signatures[1].denominator, 2);
  EXPECT_TRUE(s.parts.empty());
}

TEST(MidiRead, SysexAndUnknownMetasAreSkipped) {
  Smf f(0, 1, 1);
  f.track(Track()
              .ev(0, {0xF0, 5, 0x7E, 0x90, 0x3C, 0x40, 0xF7})   // looks like a note inside
              .ev(0, {0xF7, 3, 0x90, 0x3D, 0x40})               // escape form
              .meta(0, 0x7F, std::string("\x90\x3E\x40", 3))    // sequencer specific
              .meta(0, 0x01, "some text")
              .on(0, 0, 72, 33).off(2, 0, 72).eot());
  const Score s = read_midi(f);
  ASSERT_EQ(s.parts.size(), 1u);
  ASSERT_EQ(s.parts[0].notes.size(), 1u);
  EXPECT_EQ(s.parts[0].notes[0].pitch, 72);
  EXPECT_DOUBLE_EQ(s.parts[0].notes[0].end, 2.0);
}

TEST(MidiRead, OverlappingSamePitchNotesCloseFirstInFirstOut) {
  Smf f(0, 1, 1);
  f.track(Track().on(0, 3, 60, 10).on(1, 3, 60, 20).off(1, 3, 60).off(1, 3, 60)
              .off(1, 3, 60)  // nothing left sounding: ignored
              .eot());
  const Score s = read_midi(f);
  ASSERT_EQ(s.parts.size(), 1u);
  EXPECT_EQ(s.parts[0].channel, 3);
  const auto& n = s.parts[0].notes;
  ASSERT_EQ(n.size(), 2u);
  EXPECT_DOUBLE_EQ(n[0].start, 0.0);
  EXPECT_DOUBLE_EQ(n[0].end, 2.0);
  EXPECT_EQ(n[0].velocity, 10);
  EXPECT_DOUBLE_EQ(n[1].start, 1.0);
  EXPECT_DOUBLE_EQ(n[1].end, 3.0);
  EXPECT_EQ(n[1].velocity, 20);
}

// 150,000 note-ons stacked on one key, then their note-offs: pairing must stay first-in
// first-out and linear (it was quadratic: 2.7 s in Debug, minutes for a few MB).
TEST(MidiRead, ManyStackedNotesOnOneKeyPairFifoInLinearTime) {
  constexpr int kStacked = 150'000;
  Track t;
  for (int i = 0; i < kStacked; ++i) t.on(1, 2, 60, 1 + i % 127);
  for (int i = 0; i < kStacked; ++i) t.off(1, 2, 60);
  t.eot();
  Smf f(0, 1, 480);
  f.track(t);
  const auto t0 = std::chrono::steady_clock::now();
  const Score s = read_midi(f);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(seconds, 0.5) << "reading " << kStacked << " stacked notes took " << seconds << " s";
  ASSERT_EQ(s.parts.size(), 1u);
  const auto& n = s.parts[0].notes;
  ASSERT_EQ(n.size(), static_cast<std::size_t>(kStacked));
  // The k-th note-off closes the k-th note-on: every note lasts kStacked ticks.
  for (int i = 0; i < kStacked; ++i) {
    const Note& note = n[static_cast<std::size_t>(i)];
    ASSERT_DOUBLE_EQ(note.start, (i + 1) / 480.0) << i;
    ASSERT_DOUBLE_EQ(note.end, (kStacked + i + 1) / 480.0) << i;
    ASSERT_EQ(note.velocity, 1 + i % 127) << i;
    ASSERT_EQ(note.pitch, 60);
  }
}

TEST(MidiRead, SameKeyOnAnotherChannelIsAnotherNote) {
  Smf f(0, 1, 1);
  f.track(Track().on(0, 0, 60, 10).on(0, 1, 60, 20).off(1, 1, 60).off(1, 0, 60).eot());
  const Score s = read_midi(f);
  ASSERT_EQ(s.parts.size(), 2u);
  EXPECT_DOUBLE_EQ(s.parts[0].notes.at(0).end, 2.0);
  EXPECT_DOUBLE_EQ(s.parts[1].notes.at(0).end, 1.0);
}

TEST(MidiRead, UnclosedNotesEndAtTheTracksLastEvent) {
  Smf f(1, 2, 2);
  f.track(Track().on(0, 0, 60, 80).ev(6, {0xB0, 64, 0}).eot(4));   // EOT at tick 10
  f.track(Track().on(0, 0, 62, 80).on(2, 0, 64, 80).ev(3, {0xB0, 64, 0}));  // no EOT
  const Score s = read_midi(f);
  ASSERT_EQ(s.parts.size(), 2u);
  EXPECT_DOUBLE_EQ(s.parts[0].notes.at(0).end, 5.0);
  ASSERT_EQ(s.parts[1].notes.size(), 2u);
  EXPECT_DOUBLE_EQ(s.parts[1].notes[0].end, 2.5);
  EXPECT_DOUBLE_EQ(s.parts[1].notes[1].end, 2.5);
}

TEST(MidiRead, ZeroLengthNotesAreKept) {
  Smf f(0, 1, 4);
  f.track(Track().on(4, 0, 70, 80).off(0, 0, 70).on(0, 0, 71, 80).off(4, 0, 71).eot());
  const Score s = read_midi(f);
  const auto& n = s.parts.at(0).notes;
  ASSERT_EQ(n.size(), 2u);
  EXPECT_EQ(n[0].pitch, 70);
  EXPECT_DOUBLE_EQ(n[0].start, 1.0);
  EXPECT_DOUBLE_EQ(n[0].end, 1.0);
  EXPECT_DOUBLE_EQ(n[1].end, 2.0);
}

TEST(MidiRead, NotesAreSortedByStartThenPitch) {
  Smf f(0, 1, 1);
  // Closing order differs from the wanted order.
  f.track(Track().on(0, 0, 67, 80).on(0, 0, 60, 80).on(1, 0, 55, 80).off(0, 0, 55).off(1, 0, 60)
              .off(1, 0, 67).eot());
  const Score s = read_midi(f);
  const auto& n = s.parts.at(0).notes;
  ASSERT_EQ(n.size(), 3u);
  EXPECT_EQ(n[0].pitch, 60);
  EXPECT_EQ(n[1].pitch, 67);
  EXPECT_EQ(n[2].pitch, 55);
}

TEST(MidiRead, UnknownChunksAreSkippedAndMissingEndOfTrackStopsAtTheChunk) {
  Smf f(1, 1, 1);
  f.chunk("XFIH", {0x00, 0x90, 0x3C, 0x40});
  // No End-of-Track; the bytes after the chunk would look like a note-on.
  f.track(Track().on(0, 0, 60, 80).off(2, 0, 60));
  f.chunk("JUNK", {0x00, 0x90, 0x3E, 0x40});
  const Score s = read_midi(f);
  ASSERT_EQ(s.parts.size(), 1u);
  ASSERT_EQ(s.parts[0].notes.size(), 1u);
  EXPECT_EQ(s.parts[0].notes[0].pitch, 60);
}

TEST(MidiRead, SmpteDivisionIsWallClockAtANominal120Bpm) {
  // -25 fps x 40 ticks per frame = 1000 ticks per second = 2 quarters.
  Smf f(0, 1, 0xE728);
  f.track(Track().on(1000, 0, 60, 80).off(500, 0, 60).eot());
  const Score s = read_midi(f);
  const Note& n = s.parts.at(0).notes.at(0);
  EXPECT_DOUBLE_EQ(n.start, 2.0);
  EXPECT_DOUBLE_EQ(n.end, 3.0);
}

TEST(MidiRead, RealFilesMatchWhatMidoReports) {
  // Reference values read with python mido from the same files.
  const Score czerny = read_midi_file(CLARA_TEST_DATA "/czerny_op821_no15.mid");
  ASSERT_EQ(czerny.parts.size(), 2u);
  EXPECT_EQ(czerny.parts[0].name, "Staff_pfUpper:");
  EXPECT_EQ(czerny.parts[0].notes.size(), 113u);
  EXPECT_EQ(czerny.parts[1].name, "Staff_pfLower:");
  EXPECT_EQ(czerny.parts[1].notes.size(), 35u);
  EXPECT_EQ(czerny.parts[1].channel, 1);
  ASSERT_EQ(czerny.tempo_map.size(), 1u);
  EXPECT_NEAR(czerny.tempo_map[0].bpm, 60e6 / 545454, 1e-9);
  ASSERT_EQ(czerny.time_signatures.size(), 1u);
  EXPECT_EQ(czerny.time_signatures[0].numerator, 2);
  EXPECT_EQ(czerny.time_signatures[0].denominator, 4);

  const Score bach = read_midi_file(CLARA_TEST_DATA "/bach_bwv1087_canon1.mid");
  ASSERT_EQ(bach.parts.size(), 2u);
  EXPECT_EQ(bach.parts[0].program, 41);
  EXPECT_EQ(bach.parts[1].program, 42);
  EXPECT_EQ(bach.note_count(), 48u);
  EXPECT_DOUBLE_EQ(bach.tempo_map.at(0).bpm, 60.0);
}

// ---------------------------------------------------------------- bad input

TEST(MidiReadErrors, HeaderProblems) {
  expect_error(Bytes{'R', 'I', 'F', 'F', 0, 0, 0, 6, 0, 0, 0, 1, 0, 96}, 0, "no MThd");
  expect_error(Bytes{'M', 'T'}, 0, "no MThd");
  expect_error(Bytes{'M', 'T', 'h', 'd', 0, 0}, 6, "truncated header");
  expect_error(Smf(1, 1, 96, 5).track(Track().eot()), 4, "less than 6");
  expect_error(Smf(1, 1, 96, 0x7FFFFFF0), 4, "beyond the end of the file");
  expect_error(Smf(2, 1, 96).track(Track().eot()), 8, "format 2");
  expect_error(Smf(7, 1, 96).track(Track().eot()), 8, "unknown SMF format 7");
  expect_error(Smf(0, 2, 96).track(Track().eot()).track(Track().eot()), 10, "format 0");
  expect_error(Smf(1, 1, 0).track(Track().eot()), 12, "division is 0");
  expect_error(Smf(1, 1, 0xE900).track(Track().eot()), 12, "frame rate 23");
  expect_error(Smf(1, 1, 0xE700).track(Track().eot()), 12, "0 ticks per frame");
}

TEST(MidiReadErrors, LongerHeadersAreAllowed) {
  Smf f(1, 1, 96, 8);
  f.raw({0xAB, 0xCD}).track(Track().on(0, 0, 60, 80).off(96, 0, 60).eot());
  EXPECT_EQ(read_midi(f).note_count(), 1u);
}

TEST(MidiReadErrors, TrackCountMustMatchTheHeader) {
  expect_error(Smf(1, 3, 96).track(Track().eot()).track(Track().eot()), 10,
               "declares 3 tracks but the file has 2");
  expect_error(Smf(1, 1, 96).track(Track().eot()).track(Track().eot()), 10, "more MTrk chunks");
}

TEST(MidiReadErrors, ChunkProblems) {
  Smf huge(1, 1, 96);
  huge.raw({'M', 'T', 'r', 'k'}).u32(0xFFFFFFF0).raw({0, 0xFF, 0x2F, 0});
  expect_error(huge, 18, "chunk length 4294967280 runs beyond the end of the file");
  Smf cut(1, 2, 96);
  cut.track(Track().eot()).raw({'M', 'T', 'r'});
  expect_error(cut, Smf::kFirstBody + 4, "truncated chunk header");
}

TEST(MidiReadErrors, EventProblems) {
  const std::size_t b = Smf::kFirstBody;
  auto one = [](const Track& t) { return Smf(1, 1, 96).track(t).bytes(); };
  expect_error(one(Track().raw({0x80, 0x80, 0x80, 0x80, 0x00}).raw({0x90, 60, 80}).eot()), b,
               "longer than 4 bytes");
  expect_error(one(Track().raw({0x81, 0x82})), b + 2, "truncated variable-length delta time");
  expect_error(one(Track().ev(0, {60, 80}).eot()), b + 1,
               "running status without a previous status byte");
  expect_error(one(Track().ev(0, {0xFF, 0x03, 0x7F, 'a', 'b', 'c'})), b + 3,
               "meta event length 127 runs beyond the end of the track");
  expect_error(one(Track().ev(0, {0xF0, 0x8F, 0xFF, 0xFF, 0x7F, 1, 2}).eot()), b + 2,
               "sysex length");
  expect_error(one(Track().eot().on(0, 0, 60, 80)), b + 4, "event after End-of-Track");
  expect_error(one(Track().ev(0, {0x90, 60})), b + 2, "truncated channel message");
  expect_error(one(Track().ev(0, {0x90, 60, 0x80}).eot()), b + 3, "high bit");
  expect_error(one(Track().ev(0, {0xF8}).eot()), b + 1, "status byte 0xF8");
  expect_error(one(Track().ev(0, {0xFF, 0x51, 2, 1, 2}).eot()), b + 4, "tempo meta");
  expect_error(one(Track().tempo(0, 0).eot()), b + 4, "tempo of 0");
  // Sysex cancels running status.
  expect_error(one(Track().on(0, 0, 60, 80).ev(0, {0xF0, 1, 0xF7}).ev(0, {61, 80}).eot()),
               b + 4 + 4 + 1, "running status without");
  expect_error(Smf(1, 1, 1).track(Track().ev(0x0FFFFFFF, {0xFF, 0x01, 0}).eot()), b,
               "beyond the supported length");
}

TEST(MidiReadErrors, FileErrorsArePrefixedWithThePath) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("clara_midi_bad_" + std::to_string(::getpid()) + ".mid");
  const Bytes bad = Smf(1, 1, 96).track(Track().ev(0, {60, 80}).eot()).bytes();
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bad.data()), static_cast<std::streamsize>(bad.size()));
  }
  try {
    read_midi_file(path);
    ADD_FAILURE() << "expected an error";
  } catch (const MidiFileError& e) {
    EXPECT_EQ(std::string(e.what()),
              path.string() + ": byte 23: running status without a previous status byte");
    EXPECT_EQ(e.offset(), 23u);
  }
  std::filesystem::remove(path);
  EXPECT_THROW(read_midi_file(path), std::runtime_error);  // missing file
  EXPECT_THROW(read_midi_file(std::filesystem::temp_directory_path()), std::runtime_error);
}

// ---------------------------------------------------------------- writing

TEST(MidiWrite, TrackLayoutFollowsTheSpec) {
  Score s;
  s.tempo_map = {{0.0, 120.0}};
  Part p;
  p.name = "Vn";
  p.program = 40;
  p.channel = 2;
  p.notes = {{60, 0.0, 1.0, 90}, {60, 1.0, 1.0, 91}, {62, 1.0, 2.0, 92}};
  s.parts = {p};
  const Bytes out = write_midi(s, {.ticks_per_quarter = 96});
  const Bytes expected_header = {'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 1, 0, 2, 0, 96};
  ASSERT_GE(out.size(), expected_header.size());
  EXPECT_TRUE(std::equal(expected_header.begin(), expected_header.end(), out.begin()));
  // Conductor: tempo 500000 us, End-of-Track.
  const Bytes conductor = {'M', 'T', 'r', 'k', 0, 0, 0, 11, 0, 0xFF, 0x51, 3, 0x07, 0xA1, 0x20,
                           0, 0xFF, 0x2F, 0};
  EXPECT_TRUE(std::equal(conductor.begin(), conductor.end(), out.begin() + 14));
  // Part track: name, program, then at tick 96 the note-off of the first note
  // comes before the note-ons, and the zero-length note's off after its on.
  const Bytes body = {0, 0xFF, 0x03, 2, 'V', 'n',
                      0, 0xC2, 40,
                      0, 0x92, 60, 90,
                      96, 0x82, 60, 64,
                      0, 0x92, 60, 91,
                      0, 62, 92,
                      0, 0x82, 60, 64,
                      96, 62, 64,
                      0, 0xFF, 0x2F, 0};
  const std::size_t at = 14 + conductor.size();
  ASSERT_EQ(out.size(), at + 8 + body.size());
  EXPECT_EQ(out[at + 7], body.size());
  EXPECT_TRUE(std::equal(body.begin(), body.end(), out.begin() + static_cast<long>(at) + 8));
}

TEST(MidiWrite, RejectsWhatMidiCannotHold) {
  auto with_note = [](Note n) {
    Score s;
    Part p;
    p.notes = {n};
    s.parts = {p};
    return s;
  };
  EXPECT_THROW(write_midi(with_note({128, 0, 1, 80})), std::invalid_argument);
  EXPECT_THROW(write_midi(with_note({60, 0, 1, 0})), std::invalid_argument);
  EXPECT_THROW(write_midi(with_note({60, -1, 1, 80})), std::invalid_argument);
  EXPECT_THROW(write_midi(with_note({60, 2, 1, 80})), std::invalid_argument);
  EXPECT_THROW(write_midi(with_note({60, 0, NAN, 80})), std::invalid_argument);
  Score s = with_note({60, 0, 1, 80});
  EXPECT_NO_THROW(write_midi(s));
  s.parts[0].channel = 16;
  EXPECT_THROW(write_midi(s), std::invalid_argument);
  s.parts[0].channel = 0;
  s.time_signatures = {{0.0, 3, 6}};
  EXPECT_THROW(write_midi(s), std::invalid_argument);
  s.time_signatures.clear();
  s.tempo_map = {{0.0, 0.0}};
  EXPECT_THROW(write_midi(s), std::invalid_argument);
  s.tempo_map.clear();
  EXPECT_THROW(write_midi(s, {.ticks_per_quarter = 0}), std::invalid_argument);
}

TEST(MidiWrite, GapsLongerThanOneDeltaAreBridged) {
  Score s;
  Part p;
  p.notes = {{60, 0.0, 1.0, 80}, {61, 1.5e6, 1.5e6 + 2.0, 81}};  // 7.2e8 ticks at 480
  s.parts = {p};
  const Score back = read_midi(write_midi(s));
  ASSERT_EQ(back.note_count(), 2u);
  EXPECT_DOUBLE_EQ(back.parts[0].notes[1].start, 1.5e6);
  EXPECT_DOUBLE_EQ(back.parts[0].notes[1].end, 1.5e6 + 2.0);
}

// A random score whose same-pitch notes within a part never overlap, the
// case in which MIDI's note pairing is unambiguous.
Score random_score(std::mt19937& rng) {
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto real = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  Score s;
  double q = 0.0;
  for (int i = 0, n = uni(1, 4); i < n; ++i) {
    s.tempo_map.push_back({q, real(20.0, 300.0)});
    q += uni(1, 16) * 0.5;
  }
  q = 0.0;
  for (int i = 0, n = uni(0, 3); i < n; ++i) {
    s.time_signatures.push_back({q, uni(1, 12), 1 << uni(0, 5)});
    q += uni(1, 16);
  }
  for (int p = 0, n = uni(1, 4); p < n; ++p) {
    Part part;
    part.channel = uni(0, 15);
    part.program = uni(0, 127);
    for (int c = 0, len = uni(0, 8); c < len; ++c) part.name += static_cast<char>(uni(32, 126));
    std::vector<double> free_from(128, 0.0);
    double t = 0.0;
    for (int k = 0, count = uni(1, 40); k < count; ++k) {
      t += uni(0, 3) == 0 ? 0.0 : real(0.0, 2.0);
      const int pitch = uni(0, 127);
      const double start = std::max(t, free_from[static_cast<std::size_t>(pitch)]);
      const double end = uni(0, 9) == 0 ? start : start + real(0.0, 4.0);
      free_from[static_cast<std::size_t>(pitch)] = end;
      part.notes.push_back({pitch, start, end, uni(1, 127)});
    }
    s.parts.push_back(part);
  }
  return s;
}

TEST(MidiWrite, RandomScoresSurviveAWriteReadRoundTrip) {
  std::mt19937 rng(20240601);
  const int resolutions[] = {96, 384, 480, 960};
  for (int iteration = 0; iteration < 300; ++iteration) {
    SCOPED_TRACE("iteration " + std::to_string(iteration));
    const Score in = random_score(rng);
    const int tpq = resolutions[iteration % 4];
    const double tick = 1.0 / tpq + 1e-9;
    const Score out = read_midi(write_midi(in, {.ticks_per_quarter = tpq}));

    auto key = [tpq](const Note& n) {
      return std::make_tuple(std::llround(n.start * tpq), n.pitch, std::llround(n.end * tpq), n.velocity);
    };
    ASSERT_EQ(out.parts.size(), in.parts.size());
    for (std::size_t p = 0; p < in.parts.size(); ++p) {
      const Part& a = in.parts[p];
      const Part& b = out.parts[p];
      EXPECT_EQ(b.name, a.name);
      EXPECT_EQ(b.program, a.program);
      EXPECT_EQ(b.channel, a.channel);
      std::vector<Note> want = a.notes;
      std::sort(want.begin(), want.end(), [&](const Note& x, const Note& y) { return key(x) < key(y); });
      ASSERT_EQ(b.notes.size(), want.size());
      for (std::size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(b.notes[i].pitch, want[i].pitch);
        EXPECT_EQ(b.notes[i].velocity, want[i].velocity);
        EXPECT_NEAR(b.notes[i].start, want[i].start, tick);
        EXPECT_NEAR(b.notes[i].end, want[i].end, tick);
      }
    }
    ASSERT_EQ(out.tempo_map.size(), in.tempo_map.size());
    for (std::size_t i = 0; i < in.tempo_map.size(); ++i) {
      EXPECT_NEAR(out.tempo_map[i].quarter, in.tempo_map[i].quarter, tick);
      // A tempo meta holds whole microseconds per quarter note.
      EXPECT_EQ(std::llround(60e6 / out.tempo_map[i].bpm), std::llround(60e6 / in.tempo_map[i].bpm));
    }
    ASSERT_EQ(out.time_signatures.size(), in.time_signatures.size());
    for (std::size_t i = 0; i < in.time_signatures.size(); ++i) {
      EXPECT_NEAR(out.time_signatures[i].quarter, in.time_signatures[i].quarter, tick);
      EXPECT_EQ(out.time_signatures[i].numerator, in.time_signatures[i].numerator);
      EXPECT_EQ(out.time_signatures[i].denominator, in.time_signatures[i].denominator);
    }
  }
}

TEST(MidiWrite, FileRoundTrip) {
  const Score in = read_midi_file(CLARA_TEST_DATA "/czerny_op821_no15.mid");
  const auto path = std::filesystem::temp_directory_path() /
                    ("clara_midi_rt_" + std::to_string(::getpid()) + ".mid");
  write_midi_file(path, in, {.ticks_per_quarter = 384});
  const Score out = read_midi_file(path);
  std::filesystem::remove(path);
  ASSERT_EQ(out.parts.size(), in.parts.size());
  for (std::size_t p = 0; p < in.parts.size(); ++p) {
    ASSERT_EQ(out.parts[p].notes.size(), in.parts[p].notes.size());
    for (std::size_t i = 0; i < in.parts[p].notes.size(); ++i) {
      EXPECT_EQ(out.parts[p].notes[i].pitch, in.parts[p].notes[i].pitch);
      EXPECT_DOUBLE_EQ(out.parts[p].notes[i].start, in.parts[p].notes[i].start);
      EXPECT_DOUBLE_EQ(out.parts[p].notes[i].end, in.parts[p].notes[i].end);
    }
  }
}

}  // namespace
}  // namespace clara
