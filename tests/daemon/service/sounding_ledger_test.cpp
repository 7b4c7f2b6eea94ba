#include "daemon/service/sounding_ledger.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

namespace clara::daemon {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/clara-sounding-test.XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(SoundingLedger, RoundTripThroughTheFile) {
  TempDir dir;
  const std::string path = (dir.path / "sub" / "sounding").string();
  const std::vector<SoundingNote> notes{{0, 0, 60, 1}, {0, 9, 36, 2}, {3, 15, 127, 255}, {7, 0, 0, 1}};
  std::string error;
  ASSERT_TRUE(write_sounding_file(path, notes, error)) << error;
  EXPECT_EQ(slurp(path), "clara-sounding 1\n0 1 60 1\n0 10 36 2\n3 16 127 255\n7 1 0 1\nend 4\n");
  const SoundingRead r = read_sounding_file(path);
  EXPECT_EQ(r.warning, "");
  EXPECT_EQ(r.notes, notes);
  EXPECT_FALSE(fs::exists(path + ".tmp")) << "the temporary is renamed, not left";
  // Nothing sounding: no file.
  ASSERT_TRUE(write_sounding_file(path, {}, error)) << error;
  EXPECT_FALSE(fs::exists(path));
  const SoundingRead missing = read_sounding_file(path);
  EXPECT_TRUE(missing.notes.empty());
  EXPECT_EQ(missing.warning, "") << "a missing file is an empty ledger";
}

TEST(SoundingLedger, EveryCutOfAFileIsIgnoredWithAWarningNeverTaken) {
  const std::string whole = format_sounding({{0, 0, 60, 1}, {1, 2, 64, 3}});
  for (std::size_t n = 0; n < whole.size(); ++n) {
    const SoundingRead r = parse_sounding(whole.substr(0, n), "f");
    EXPECT_TRUE(r.notes.empty()) << "cut at byte " << n;
    EXPECT_FALSE(r.warning.empty()) << "cut at byte " << n;
    EXPECT_EQ(r.warning.rfind("f:", 0), 0u) << r.warning;
  }
  EXPECT_EQ(parse_sounding(whole, "f").notes.size(), 2u);
}

TEST(SoundingLedger, CorruptFilesAreIgnoredWithAWarningNamingTheLine) {
  const struct {
    const char* text;
    const char* why;
  } cases[] = {
      {"garbage\n", "f:1: not a Clara sounding-notes file"},
      {"clara-sounding 2\nend 0\n", "f:1: not a Clara"},
      {"clara-sounding 1\n0 1 60\nend 1\n", "f:2: expected"},
      {"clara-sounding 1\n0 1 60 1 5\nend 1\n", "f:2: expected"},
      {"clara-sounding 1\n8 1 60 1\nend 1\n", "f:2: port 8"},
      {"clara-sounding 1\n0 0 60 1\nend 1\n", "f:2: channel 0"},
      {"clara-sounding 1\n0 17 60 1\nend 1\n", "f:2: channel 17"},
      {"clara-sounding 1\n0 1 128 1\nend 1\n", "f:2: key 128"},
      {"clara-sounding 1\n0 1 60 0\nend 1\n", "f:2: depth 0"},
      {"clara-sounding 1\n0 1 60 256\nend 1\n", "f:2: depth 256"},
      {"clara-sounding 1\n0 1 x 1\nend 1\n", "f:2: expected"},
      {"clara-sounding 1\n0 1 -1 1\nend 1\n", "f:2: key -1"},
      {"clara-sounding 1\n0 1 60 1\n0 1 60 1\nend 2\n", "f:3: the same port"},
      {"clara-sounding 1\n0 1 60 1\nend 2\n", "f:3: 'end' counts 2"},
      {"clara-sounding 1\n0 1 60 1\nend 1\n0 1 61 1\n", "f:4: text after"},
      {"clara-sounding 1\n0 1 60 1\nend\n", "f:3: malformed"},
      {"clara-sounding 1\n0 1 60 1\n", "f:2: no 'end' line"},
      {"clara-sounding 1\n0 1 99999999999999999999999 1\nend 1\n", "f:2: expected"},
      {"", "f:1: empty"},
  };
  for (const auto& c : cases) {
    const SoundingRead r = parse_sounding(c.text, "f");
    EXPECT_TRUE(r.notes.empty()) << c.text;
    EXPECT_NE(r.warning.find(c.why), std::string::npos) << "got: " << r.warning << " for " << c.text;
  }
  EXPECT_FALSE(parse_sounding(std::string(2 << 20, 'x'), "f").warning.empty());
}

TEST(SoundingLedger, BadFileOnDiskIsIgnoredAtStartAndNeverACrash) {
  TempDir dir;
  const std::string path = (dir.path / "sounding").string();
  std::ofstream(path) << "clara-sounding 1\n0 1 60 1\n0 1 6";  // cut mid-write (no rename happened)
  EXPECT_TRUE(take_left_sounding(path, 1).empty());
  std::ofstream(path, std::ios::trunc) << format_sounding({{0, 0, 60, 1}, {2, 0, 61, 1}});
  const auto notes = take_left_sounding(path, 1);
  EXPECT_EQ(notes, (std::vector<SoundingNote>{{0, 0, 60, 1}})) << "port 2 does not exist any more";
}

TEST(SoundingLedger, PathIsPerBackendServerAndClient) {
  ::setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
  EXPECT_EQ(sounding_file_path("jack", "studio", "clara"), "/run/user/1000/clara/sounding-jack-studio-clara");
  EXPECT_EQ(sounding_file_path("jack", "a/b", "c d"), "/run/user/1000/clara/sounding-jack-a_b-c_d");
  ::unsetenv("XDG_RUNTIME_DIR");
  ::setenv("STATE_DIRECTORY", "/var/lib/clara:/var/lib/other", 1);
  EXPECT_EQ(sounding_file_path("alsa", "", "clara"), "/var/lib/clara/sounding-alsa-default-clara");
  ::unsetenv("STATE_DIRECTORY");
}

TEST(SoundingLedger, WriterFollowsTheJournalAndRemovesTheFileWhenSilent) {
  TempDir dir;
  const std::string path = (dir.path / "sounding").string();
  SoundingJournal journal;
  SoundingLedgerWriter writer(path, journal, {});
  writer.start();
  journal.written(0, ShortMessage{0x90, 60, 100});
  journal.written(1, ShortMessage{0x93, 64, 100});
  journal.written(1, ShortMessage{0xB3, 64, 127});  // not a note: not journalled
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  auto wait_for = [&](const std::vector<SoundingNote>& want) {
    while (std::chrono::steady_clock::now() < deadline) {
      if (read_sounding_file(path).notes == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  };
  EXPECT_TRUE(wait_for({{0, 0, 60, 1}, {1, 3, 64, 1}}));
  journal.written(0, ShortMessage{0x90, 60, 0});  // velocity 0: a note-off
  EXPECT_TRUE(wait_for({{1, 3, 64, 1}}));
  journal.written(1, ShortMessage{0x83, 64, 0});
  writer.stop();
  EXPECT_FALSE(fs::exists(path));
  EXPECT_GE(writer.writes(), 2u);
}

// A note the inference thread has pushed is in the file before the output side writes it, so a
// kill in the writer's lag after the write still finds it; it leaves the file once its note-off
// is both pushed and written.
TEST(SoundingLedger, APushedNoteIsListedBeforeItIsWrittenAndUntilItsNoteOffIsWritten) {
  TempDir dir;
  const std::string path = (dir.path / "sounding").string();
  SoundingJournal written, pushed;
  SoundingLedgerWriter writer(path, written, {}, &pushed);
  writer.start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  auto wait_for = [&](const std::vector<SoundingNote>& want) {
    while (std::chrono::steady_clock::now() < deadline) {
      if (read_sounding_file(path).notes == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  };
  pushed.written(0, ShortMessage{0x90, 60, 100});
  EXPECT_TRUE(wait_for({{0, 0, 60, 1}})) << "pushed, not written yet: listed";
  written.written(0, ShortMessage{0x90, 60, 100});
  pushed.written(0, ShortMessage{0x80, 60, 0});
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  EXPECT_EQ(read_sounding_file(path).notes, (std::vector<SoundingNote>{{0, 0, 60, 1}}))
      << "its note-off pushed but not written: it still sounds";
  written.written(0, ShortMessage{0x80, 60, 0});
  writer.stop();
  EXPECT_FALSE(fs::exists(path));
}

TEST(SoundingLedger, WriterKeepsRecoveredNotesUntilTheirNoteOffsAreWritten) {
  TempDir dir;
  const std::string path = (dir.path / "sounding").string();
  const std::vector<SoundingNote> left{{0, 0, 60, 2}};
  std::string error;
  ASSERT_TRUE(write_sounding_file(path, left, error));
  SoundingJournal journal;
  SoundingLedgerWriter writer(path, journal, left);
  writer.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_EQ(read_sounding_file(path).notes, left) << "a crash now must still find them";
  journal.written(0, ShortMessage{0x80, 60, 0});
  journal.written(0, ShortMessage{0x80, 60, 0});
  writer.stop();
  EXPECT_FALSE(fs::exists(path));
}

}  // namespace
}  // namespace clara::daemon
