#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include "core/midi/midi_file.hpp"
#include "daemon/session/session_recorder.hpp"

namespace fs = std::filesystem;
using namespace clara;
using namespace clara::daemon;

TEST(SessionRecorder, WritesHumanAndClaraTracksAtTheirTimes) {
  const std::int64_t origin = 1'000'000'000;
  SessionRecorder rec(origin, 120.0);
  rec.human(TimedMessage{origin + 500'000'000, ShortMessage{0x90, 60, 100}, 0});   // beat 1
  rec.human(TimedMessage{origin + 1'000'000'000, ShortMessage{0x80, 60, 0}, 0});   // beat 2
  rec.clara("p", 0, TimedMessage{origin + 1'500'000'000, ShortMessage{0x90, 64, 70}, 0});
  rec.tempo(origin + 2'000'000'000, 60.0);  // beat 4, then one beat a second
  rec.clara("p", 0, TimedMessage{origin + 3'000'000'000, ShortMessage{0x80, 64, 0}, 0});  // beat 5
  rec.clara("p", 0, TimedMessage{origin + 3'000'000'000, ShortMessage{0x90, 67, 70}, 0});  // never closed
  auto file = fs::temp_directory_path() / ("clara-session-" + std::to_string(::getpid()) + ".mid");
  rec.write_midi(file, origin + 4'000'000'000);
  Score s = read_midi_file(file);
  ASSERT_EQ(s.parts.size(), 2u);
  EXPECT_EQ(s.parts[0].name, "Human");
  EXPECT_EQ(s.parts[1].name, "Clara p");
  ASSERT_EQ(s.parts[0].notes.size(), 1u);
  EXPECT_NEAR(s.parts[0].notes[0].start, 1.0, 1e-6);
  EXPECT_NEAR(s.parts[0].notes[0].end, 2.0, 1e-6);
  ASSERT_EQ(s.parts[1].notes.size(), 2u);
  EXPECT_NEAR(s.parts[1].notes[0].start, 3.0, 1e-6);
  EXPECT_NEAR(s.parts[1].notes[0].end, 5.0, 1e-6);
  EXPECT_NEAR(s.parts[1].notes[1].end, 6.0, 1e-6);  // closed at the end of the session
  ASSERT_GE(s.tempo_map.size(), 2u);
  EXPECT_NEAR(s.tempo_map.back().bpm, 60.0, 1e-3);
  fs::remove(file);
}

TEST(SessionFolder, TwoSessionsInOneSecondGetTwoFolders) {
  auto root = fs::temp_directory_path() / ("clara-sessions-" + std::to_string(::getpid()));
  auto a = make_session_folder(root);
  auto b = make_session_folder(root);
  EXPECT_NE(a, b);
  EXPECT_TRUE(fs::is_directory(a));
  EXPECT_TRUE(fs::is_directory(b));
  fs::remove_all(root);
}

