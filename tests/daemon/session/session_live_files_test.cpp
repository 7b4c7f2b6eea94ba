// The session's files are written while it plays, so a crash loses at most one flush
// interval: session.mid is always a whole SMF, replay.log replays up to its last checkpoint.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <atomic>
#include <chrono>
#include <thread>
#include <sys/wait.h>
#include <unistd.h>

#include "core/duet/session_log.hpp"
#include "core/duet/session_replay.hpp"
#include "core/encoding/notewise_codec.hpp"
#include "core/midi/midi_file.hpp"
#include "daemon/session/session_files.hpp"
#include "daemon/session/session_recorder.hpp"
#include "tests/core/generation/fake_token_models.hpp"

namespace fs = std::filesystem;
using namespace clara;
using namespace clara::daemon;

namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kOrigin = 10'000 * kMs;

class LiveSessionFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("clara_live_session_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

std::string header_text() {
  SessionLog log;
  log.model_name = "fake";
  log.model_sha256 = "00";
  log.spec = EncodingSpec::defaults(Encoding::notewise);
  log.origin_ns = kOrigin;
  return session_log_header(log);
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// A session without an engine: every 500 ms the human plays a 250 ms note and Clara answers
// with one; the engine's log gets one input per human message and the frontier runs at
// 24 steps a second (12 a quarter at 120 bpm). tick() every 100 ms of the fake clock.
struct FakeSession {
  explicit FakeSession(SessionRecorder& r) : rec(r) {}
  SessionRecorder& rec;
  std::vector<DuetInput> inputs;
  std::int64_t now = kOrigin;

  std::int64_t frontier() const { return (now - kOrigin) * 24 / 1'000'000'000; }
  void play_until(std::int64_t until_ms) {
    for (; now < kOrigin + until_ms * kMs; now += 100 * kMs) {
      const std::int64_t t = now - kOrigin;
      const auto key = static_cast<std::uint8_t>(60 + (t / (500 * kMs)) % 12);
      if (t % (500 * kMs) == 0) {
        rec.human(TimedMessage{now, ShortMessage{0x90, key, 80}, 0});
        inputs.push_back({DuetInput::Kind::human, frontier(), {0x90, key, 80}, frontier()});
        rec.clara("p", 0, TimedMessage{now + 50 * kMs, ShortMessage{0x90, static_cast<std::uint8_t>(key + 12), 70}, 0});
      }
      if (t % (500 * kMs) == 200 * kMs) {
        rec.human(TimedMessage{now, ShortMessage{0x80, key, 0}, 0});
        inputs.push_back({DuetInput::Kind::human, frontier(), {0x80, key, 0}, frontier()});
        rec.clara("p", 0, TimedMessage{now + 50 * kMs, ShortMessage{0x80, static_cast<std::uint8_t>(key + 12), 0}, 0});
      }
      rec.tick(inputs, frontier(), static_cast<std::size_t>(frontier()) * 2, now);
    }
  }
};

}  // namespace

TEST_F(LiveSessionFiles, FilesAreWrittenWhileThePlayGoesOnAndParseBeforeStop) {
  SessionRecorder rec(kOrigin, 120.0);
  rec.start_live(dir_, header_text());
  // The header is on the disk at once; with no checkpoint yet there is nothing to replay.
  EXPECT_FALSE(fs::exists(dir_ / "session.mid"));
  EXPECT_THROW(read_session_log(dir_ / "replay.log"), SessionLogError);

  FakeSession s(rec);
  s.play_until(5'000);  // flushes at 0, 2 s and 4 s
  rec.sync();
  EXPECT_FALSE(rec.write_error());
  // Read while the recorder lives: what a crash right now would leave.
  const Score score = read_midi_file(dir_ / "session.mid");
  ASSERT_EQ(score.parts.size(), 2u);
  EXPECT_EQ(score.parts[0].name, "Human");
  EXPECT_EQ(score.parts[1].name, "Clara p");
  // Notes 0..8 began by 4 s (note 8 at 4.0 s is still open and ends there); none after.
  ASSERT_EQ(score.parts[0].notes.size(), 9u);
  EXPECT_NEAR(score.parts[0].notes[0].start, 0.0, 1e-6);
  EXPECT_NEAR(score.parts[0].notes[0].end, 0.4, 1e-6);  // 200 ms at 2 quarters a second
  EXPECT_NEAR(score.parts[0].notes[8].start, 8.0, 1e-6);
  EXPECT_NEAR(score.parts[0].notes[8].end, 8.0, 1e-6);
  // Clara's ninth was committed (due at 4.05 s) before the flush: it is there, cut to nothing.
  ASSERT_EQ(score.parts[1].notes.size(), 9u);
  EXPECT_NEAR(score.parts[1].notes[8].start, 8.1, 1e-6);
  EXPECT_NEAR(score.parts[1].notes[8].end, 8.1, 1e-6);
  const SessionLog log = read_session_log(dir_ / "replay.log");
  EXPECT_FALSE(log.complete);
  EXPECT_EQ(log.end_step, 96);  // the frontier at 4 s
  EXPECT_EQ(log.committed_tokens, 192u);
  EXPECT_EQ(log.inputs, std::vector<DuetInput>(s.inputs.begin(), s.inputs.begin() + 17));
  ASSERT_FALSE(log.notes.empty());
  EXPECT_NE(log.notes.back().find("no 'end' line"), std::string::npos) << log.notes.back();

  // Nothing is written between flushes.
  const std::string midi_at_4s = slurp(dir_ / "session.mid");
  const std::string log_at_4s = slurp(dir_ / "replay.log");
  s.play_until(5'900);
  rec.sync();
  EXPECT_EQ(slurp(dir_ / "session.mid"), midi_at_4s);
  EXPECT_EQ(slurp(dir_ / "replay.log"), log_at_4s);
  s.play_until(6'100);  // the flush at 6 s
  rec.sync();
  EXPECT_NE(slurp(dir_ / "replay.log"), log_at_4s);
  EXPECT_EQ(read_midi_file(dir_ / "session.mid").parts[0].notes.size(), 13u);
  EXPECT_EQ(read_session_log(dir_ / "replay.log").end_step, 144);

  // A clean stop ends the log.
  rec.finish(s.inputs, s.frontier(), static_cast<std::size_t>(s.frontier()) * 2, s.now);
  const SessionLog done = read_session_log(dir_ / "replay.log");
  EXPECT_TRUE(done.complete);
  EXPECT_TRUE(done.notes.empty());
  EXPECT_EQ(done.inputs, s.inputs);
  EXPECT_EQ(done.end_step, s.frontier());
  EXPECT_FALSE(fs::exists(dir_ / "session.mid.tmp"));
}

// kill -9 for real: the child records, flushes, records more and kills itself, with no
// destructor and no finish(); the parent finds the files as the last flush left them.
TEST_F(LiveSessionFiles, AKilledSessionLeavesFilesUpToTheLastFlush) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    SessionRecorder rec(kOrigin, 120.0);
    rec.start_live(dir_, header_text());
    FakeSession s(rec);
    s.play_until(4'100);  // last flush at 4 s
    rec.sync();
    s.play_until(5'900);  // recorded, not flushed
    ::kill(::getpid(), SIGKILL);
    ::_exit(3);  // not reached
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  const Score score = read_midi_file(dir_ / "session.mid");
  EXPECT_EQ(score.parts.at(0).notes.size(), 9u);
  const SessionLog log = read_session_log(dir_ / "replay.log");
  EXPECT_FALSE(log.complete);
  EXPECT_EQ(log.end_step, 96);
  EXPECT_EQ(log.inputs.size(), 17u);
  EXPECT_FALSE(fs::exists(dir_ / "session.mid.tmp"));
}

// The daemon's loop with a real engine (fake model): the log read back while the session
// plays replays to exactly what the engine had committed at the last flush, and at the end to
// the whole session.
TEST_F(LiveSessionFiles, TheLiveLogReplaysToTheEnginesTokens) {
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  const Vocabulary v = notewise_vocabulary(spec);
  DuetConfig c;
  c.sampler.policy = SamplingPolicy::kTopK;
  c.sampler.top_k = 8;
  c.sampler.seed = 7;
  clara::testing::HashModel model(v.size(), 3);
  DuetEngine engine(model, v, spec, c);
  engine.start(kOrigin);
  SessionRecorder rec(kOrigin, c.bpm);
  const fs::path folder = start_session(dir_, rec, engine, {"hash", "0123", spec, kOrigin, 0});
  EXPECT_EQ(folder.parent_path(), dir_);

  std::vector<TimedMessage> out;
  std::optional<std::int64_t> last_flush;
  std::vector<int> at_last_flush;
  std::int64_t now = kOrigin;
  auto run_until = [&](std::int64_t ms) {
    for (; now < kOrigin + ms * kMs; now += 2 * kMs) {
      const std::int64_t t = now - kOrigin;
      if (t % (700 * kMs) == 0 || t % (700 * kMs) == 150 * kMs) {
        const bool on = t % (700 * kMs) == 0;
        const ShortMessage m{static_cast<std::uint8_t>(on ? 0x90 : 0x80), 64, static_cast<std::uint8_t>(on ? 90 : 0)};
        engine.human(m, now);
        rec.human(TimedMessage{now, m, 0});
      }
      engine.advance(now, out);
      for (const auto& m : out) rec.clara("p", 0, m);
      out.clear();
      rec.tick(engine, now);
      if (!last_flush || now - *last_flush >= 2'000 * kMs) last_flush = now, at_last_flush = engine.committed_tokens();
    }
  };
  run_until(5'000);
  rec.sync();
  const SessionLog live = read_session_log(folder / "replay.log");
  EXPECT_FALSE(live.complete);
  clara::testing::HashModel m1(v.size(), 3);
  EXPECT_EQ(replay_session(live, m1, v, spec), at_last_flush);
  EXPECT_GT(at_last_flush.size(), 10u);
  EXPECT_NO_THROW(read_midi_file(folder / "session.mid"));

  run_until(7'000);
  engine.stop(out);
  for (const auto& m : out) rec.clara("p", 0, m);
  finish_session(folder, rec, engine, v, now);
  const SessionLog done = read_session_log(folder / "replay.log");
  EXPECT_TRUE(done.complete);
  clara::testing::HashModel m2(v.size(), 3);
  EXPECT_EQ(replay_session(done, m2, v, spec), engine.committed_tokens());
  EXPECT_EQ(done.committed_tokens, engine.committed_tokens().size());
  const Score score = read_midi_file(folder / "session.mid");
  ASSERT_EQ(score.parts.size(), 2u);
  EXPECT_EQ(score.parts[0].notes.size(), 10u);  // the human's, every 700 ms for 7 s
  EXPECT_GT(score.parts[1].notes.size(), 0u);
  EXPECT_TRUE(fs::exists(folder / "tokens.txt"));
}

TEST_F(LiveSessionFiles, ARecorderWithoutLiveFilesWritesNothingUntilAsked) {
  SessionRecorder rec(kOrigin, 120.0);
  FakeSession s(rec);
  s.play_until(3'000);
  EXPECT_TRUE(fs::is_empty(dir_));
  EXPECT_NO_THROW(rec.finish(s.inputs, 0, 0, s.now));  // a no-op
  rec.write_midi(dir_ / "session.mid", s.now);
  EXPECT_EQ(read_midi_file(dir_ / "session.mid").parts.at(0).notes.size(), 6u);
  EXPECT_THROW(rec.start_live(dir_, header_text()), std::logic_error);  // too late: already recorded
}

// session.mid is replaced whole and replay.log only grows by whole lines (a reader may catch
// the last one half written, and ignores it): a reader running alongside every flush never
// sees a broken file.
TEST_F(LiveSessionFiles, AReaderAlongsideTheFlushesNeverSeesABrokenFile) {
  SessionRecorder rec(kOrigin, 120.0);
  rec.start_live(dir_, header_text(), {.flush_interval_ns = 1});  // a flush every tick
  std::atomic<bool> done{false};
  std::atomic<int> midi_reads{0}, log_reads{0};
  std::string failure;
  std::thread reader([&] {
    while (!done.load() && failure.empty()) {
      try {
        if (fs::exists(dir_ / "session.mid")) read_midi_file(dir_ / "session.mid"), ++midi_reads;
      } catch (const std::exception& e) {
        failure = e.what();
      }
      try {
        read_session_log(dir_ / "replay.log");
        ++log_reads;
      } catch (const SessionLogError& e) {
        if (std::string(e.what()).find("before its first checkpoint") == std::string::npos) failure = e.what();
      }
    }
  });
  FakeSession s(rec);
  s.play_until(10'000);  // 100 flushes
  rec.sync();
  // A loaded machine may not have let the reader in yet: give it time to read both once.
  for (int i = 0; i < 500 && (midi_reads.load() == 0 || log_reads.load() == 0); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  done = true;
  reader.join();
  EXPECT_EQ(failure, "");
  EXPECT_GT(midi_reads, 0);
  EXPECT_GT(log_reads, 0);
  EXPECT_EQ(read_session_log(dir_ / "replay.log").inputs.size(), s.inputs.size());
}
