#include "core/duet/session_replay.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <unistd.h>

#include "core/duet/session_log.hpp"
#include "core/encoding/notewise_codec.hpp"
#include "tests/core/generation/fake_token_models.hpp"

namespace clara {
namespace {

namespace fs = std::filesystem;
using testing::HashModel;

class SessionReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("clara_session_replay_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path path(const std::string& name) const { return dir_ / name; }
  // The log of what `live` played, as the daemon's recorder writes it (model "hash").
  static SessionLog log_of(const DuetEngine& live, const EncodingSpec& spec, std::int64_t origin) {
    SessionLog log;
    log.model_name = "hash";
    log.model_sha256 = "0123";
    log.spec = spec;
    log.config = live.config();
    log.origin_ns = origin;
    log.inputs = live.log();
    log.end_step = live.frontier();
    log.committed_tokens = live.committed_tokens().size();
    return log;
  }
  fs::path dir_;
};

TEST_F(SessionReplayTest, LiveSessionReplaysToTheSameTokensAndMessages) {
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  const Vocabulary v = notewise_vocabulary(spec);
  DuetConfig c;
  c.mode = DuetMode::answer;
  c.sampler.policy = SamplingPolicy::kTopK;
  c.sampler.top_k = 8;
  c.sampler.seed = 1234;

  // The live side: advance every 2 ms of simulated time with speculation; the human plays
  // three phrases, the tempo changes, the mode changes, and the session stops.
  HashModel live_model(v.size(), 17);
  DuetEngine live(live_model, v, spec, c);
  const std::int64_t origin = 5'000'000'000;
  live.start(origin);
  std::vector<TimedMessage> live_out;
  std::int64_t now = origin;
  auto run_for = [&](std::int64_t ns) {
    for (const std::int64_t until = now + ns; now < until; now += 2'000'000) live.advance(now, live_out);
  };
  for (int phrase = 0; phrase < 3; ++phrase) {
    for (int n = 0; n < 5; ++n) {
      live.human(ShortMessage{0x90, static_cast<std::uint8_t>(57 + 3 * n + phrase), static_cast<std::uint8_t>(50 + 12 * n)});
      run_for(110'000'000 + 13'000'000 * n);
      live.human(ShortMessage{0x80, static_cast<std::uint8_t>(57 + 3 * n + phrase), 0});
      run_for(40'000'000);
    }
    run_for(1'700'000'000);  // Clara answers (and gets interrupted by the next phrase)
    if (phrase == 0) live.set_tempo(150);
    if (phrase == 1) live.set_mode(DuetMode::accompany, live_out);
  }
  run_for(800'000'000);
  live.stop(live_out);
  ASSERT_GT(live.stats().answers, 0u);
  ASSERT_GT(live.stats().rollbacks, 0u);

  write_session_log(path("live.log"), log_of(live, spec, origin));
  const SessionLog back = read_session_log(path("live.log"));
  EXPECT_EQ(back.inputs, live.log());

  HashModel replay_model(v.size(), 17);
  std::vector<TimedMessage> replay_out;
  const std::vector<int> tokens = replay_session(back, replay_model, v, spec, &replay_out);
  EXPECT_EQ(tokens.size(), back.committed_tokens);
  EXPECT_EQ(tokens, live.committed_tokens());
  EXPECT_EQ(replay_out, live_out);
  EXPECT_FALSE(replay_out.empty());

  // Another model (or seed) gives another part: the replay really runs the model.
  HashModel other(v.size(), 18);
  EXPECT_NE(replay_session(back, other, v, spec), tokens);
}

// Format-1 logs were played before the stream put ends where the encoder does (commit 327c571):
// an end at the frontier step, its note-off due there. Replay picks that placement by the log's
// format version, so such a session comes back token for token and message for message, while a
// format-2 log of the same inputs replays with today's placement (and other tokens).
TEST_F(SessionReplayTest, AFormatOneLogReplaysWithTheEndPlacementItWasPlayedWith) {
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  const Vocabulary v = notewise_vocabulary(spec);
  DuetConfig c;
  c.mode = DuetMode::answer;
  c.sampler.policy = SamplingPolicy::kTopK;
  c.sampler.top_k = 8;
  c.sampler.seed = 99;

  HashModel live_model(v.size(), 23);
  DuetEngine live(live_model, v, spec, c, EndPlacement::frontier);  // as the engine played before 327c571
  const std::int64_t origin = 1'000'000'000;
  live.start(origin);
  std::vector<TimedMessage> live_out;
  std::int64_t now = origin;
  auto run_for = [&](std::int64_t ns) {
    for (const std::int64_t until = now + ns; now < until; now += 2'000'000) live.advance(now, live_out);
  };
  for (int phrase = 0; phrase < 3; ++phrase) {
    for (int n = 0; n < 4; ++n) {
      live.human(ShortMessage{0x90, static_cast<std::uint8_t>(60 + 2 * n - phrase), 70});
      run_for(150'000'000 + 20'000'000 * n);
      live.human(ShortMessage{0x80, static_cast<std::uint8_t>(60 + 2 * n - phrase), 0});
      run_for(30'000'000);
    }
    run_for(1'500'000'000);  // Clara answers; the next phrase may cut her short
  }
  run_for(600'000'000);
  live.stop(live_out);
  ASSERT_GT(live.stats().answers, 0u);

  SessionLog log = log_of(live, spec, origin);
  log.format_version = 1;

  HashModel replay_model(v.size(), 23);
  std::vector<TimedMessage> replay_out;
  const std::vector<int> tokens = replay_session(log, replay_model, v, spec, &replay_out);
  EXPECT_EQ(tokens, live.committed_tokens());
  EXPECT_EQ(replay_out, live_out);

  log.format_version = SessionLog::kFormatVersion;
  EXPECT_NE(replay_session(log, replay_model, v, spec), tokens);  // the placement matters here
}

// The key-keeping strength is part of the log (header and sampler lines): a session played
// with it replays to the same tokens, and the same log read as an older one (no key_keeping:
// off) does not.
TEST_F(SessionReplayTest, ASessionWithKeyKeepingReplaysToTheSameTokens) {
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  const Vocabulary v = notewise_vocabulary(spec);
  DuetConfig c;
  c.mode = DuetMode::answer;
  c.sampler.policy = SamplingPolicy::kTopK;
  c.sampler.top_k = 12;
  c.sampler.seed = 4;
  c.sampler.key_keeping = 2;
  HashModel live_model(v.size(), 31);
  DuetEngine live(live_model, v, spec, c);
  const std::int64_t origin = 1'000'000'000;
  live.start(origin);
  std::vector<TimedMessage> live_out;
  std::int64_t now = origin;
  auto run_for = [&](std::int64_t ns) {
    for (const std::int64_t until = now + ns; now < until; now += 2'000'000) live.advance(now, live_out);
  };
  for (int phrase = 0; phrase < 3; ++phrase) {
    for (int key : {62, 64, 66, 67, 69, 71, 73, 74}) {  // D major
      live.human(ShortMessage{0x90, static_cast<std::uint8_t>(key + phrase * 5), 80});
      run_for(120'000'000);
      live.human(ShortMessage{0x80, static_cast<std::uint8_t>(key + phrase * 5), 0});
    }
    run_for(1'800'000'000);
    if (phrase == 1) {
      SamplerConfig stronger = c.sampler;
      stronger.key_keeping = 6;
      live.set_sampler(stronger);
    }
  }
  live.stop(live_out);
  ASSERT_GT(live.stats().answers, 1u);

  SessionLog log = log_of(live, spec, origin);
  log.config = c;  // the header holds the config the session started with, as the recorder writes it
  write_session_log(path("keyed.log"), log);
  const SessionLog back = read_session_log(path("keyed.log"));
  EXPECT_EQ(back.config.sampler.key_keeping, 2.0);
  HashModel replay_model(v.size(), 31);
  std::vector<TimedMessage> replay_out;
  const std::vector<int> tokens = replay_session(back, replay_model, v, spec, &replay_out);
  EXPECT_EQ(tokens, live.committed_tokens());
  EXPECT_EQ(replay_out, live_out);

  SessionLog off = back;  // as an old reader would take it: no bias
  off.config.sampler.key_keeping = 0;
  for (DuetInput& in : off.inputs) in.sampler.key_keeping = 0;
  EXPECT_NE(replay_session(off, replay_model, v, spec), tokens) << "the strength changed nothing";
}

TEST_F(SessionReplayTest, ReplayRefusesAnotherSpecOrAnInputOffTheGrid) {
  const EncodingSpec piano = EncodingSpec::defaults(Encoding::notewise);
  const Vocabulary v = notewise_vocabulary(piano);
  HashModel model(v.size());
  SessionLog log;
  log.spec = EncodingSpec::defaults(Encoding::chamber);
  log.config.human_prefix = log.config.clara_prefix = "p";
  EXPECT_THROW(replay_session(log, model, v, piano), SessionLogError);
  log.spec = piano;
  log.inputs = {{DuetInput::Kind::stop, 5, {}}, {DuetInput::Kind::mode, 9, {}, 0, DuetMode::solo}};
  log.end_step = 9;
  EXPECT_THROW(replay_session(log, model, v, piano), SessionLogError);  // nothing moves after stop
}

// A session log written as the daemon writes it (header, then every flush the new inputs and
// a checkpoint, then the end line), cut at every byte: each cut either replays to exactly the
// tokens the live engine had committed at the last checkpoint, or is refused with a message
// saying the log was cut short. Nothing else: no unclear error, no hang.
TEST_F(SessionReplayTest, ALogCutAtAnyByteReplaysAPrefixOrSaysItWasCutShort) {
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  const Vocabulary v = notewise_vocabulary(spec);
  DuetConfig c;
  c.mode = DuetMode::answer;
  c.sampler.policy = SamplingPolicy::kTopK;
  c.sampler.top_k = 8;
  c.sampler.seed = 99;
  HashModel live_model(v.size(), 5);
  DuetEngine live(live_model, v, spec, c);
  const std::int64_t origin = 1'000'000'000;
  live.start(origin);

  SessionLog header;
  header.model_name = "hash";
  header.model_sha256 = "0123";
  header.spec = spec;
  header.config = live.config();
  header.origin_ns = origin;
  std::string text = session_log_header(header);
  std::map<std::int64_t, std::vector<int>> at_checkpoint;  // step -> the live committed tokens then
  std::size_t logged = 0;
  auto flush = [&] {
    for (; logged < live.log().size(); ++logged) text += session_log_line(live.log()[logged]);
    text += session_log_checkpoint(live.frontier(), live.committed_tokens().size());
    at_checkpoint[live.frontier()] = live.committed_tokens();
  };
  std::vector<TimedMessage> out;
  std::int64_t now = origin;
  auto run_for = [&](std::int64_t ns) {
    for (const std::int64_t until = now + ns; now < until; now += 2'000'000) {
      live.advance(now, out);
      if ((now - origin) % 300'000'000 == 0) flush();
    }
  };
  flush();
  for (int n = 0; n < 3; ++n) {
    live.human(ShortMessage{0x90, static_cast<std::uint8_t>(60 + 2 * n), 80});
    run_for(120'000'000);
    live.human(ShortMessage{0x80, static_cast<std::uint8_t>(60 + 2 * n), 0});
    run_for(30'000'000);
  }
  run_for(1'200'000'000);  // Clara answers
  live.set_tempo(140);
  live.human(ShortMessage{0x90, 72, 90});
  run_for(200'000'000);
  live.stop(out);
  flush();
  text += session_log_end(live.frontier(), live.committed_tokens().size());
  ASSERT_GE(at_checkpoint.size(), 5u);
  ASSERT_GT(live.committed_tokens().size(), at_checkpoint.begin()->second.size());

  const fs::path file = path("cut.log");
  std::map<std::pair<std::int64_t, std::size_t>, std::vector<int>> replayed;  // (end, inputs) -> tokens
  int refused = 0, partial = 0, whole = 0;
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    SCOPED_TRACE("cut at byte " + std::to_string(cut));
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text.substr(0, cut);
    SessionLog log;
    try {
      log = read_session_log(file);
    } catch (const SessionLogError& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.rfind(file.string() + ":", 0), 0u) << msg;
      EXPECT_TRUE(msg.find("cut short in its header") != std::string::npos ||
                  msg.find("ends before its first checkpoint") != std::string::npos)
          << msg;
      ++refused;
      continue;
    }
    auto key = std::make_pair(log.end_step, log.inputs.size());
    if (!replayed.contains(key)) {
      HashModel m(v.size(), 5);
      replayed[key] = replay_session(log, m, v, spec);
    }
    const std::vector<int>& tokens = replayed[key];
    ASSERT_EQ(tokens.size(), log.committed_tokens);
    if (log.complete) {
      ++whole;
      EXPECT_EQ(cut, text.size());
      EXPECT_EQ(tokens, live.committed_tokens());
    } else {
      ++partial;
      ASSERT_TRUE(at_checkpoint.contains(log.end_step));
      EXPECT_EQ(tokens, at_checkpoint[log.end_step]);
      EXPECT_FALSE(log.notes.empty());
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_GT(partial, 100);
  EXPECT_EQ(whole, 1);
}


// A session with hot model swaps (warmed as the daemon's worker warms them) replays token for
// token when each model is found by name and sha256; without the models it is refused by name.
TEST_F(SessionReplayTest, SessionWithModelSwapsReplaysWithTheModelsByName) {
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  const Vocabulary v = notewise_vocabulary(spec);
  DuetConfig c;
  c.mode = DuetMode::accompany;
  c.sampler.policy = SamplingPolicy::kTopK;
  c.sampler.top_k = 8;
  c.sampler.seed = 7;
  std::map<std::string, std::unique_ptr<HashModel>> live_models;
  for (std::uint64_t salt : {1, 2, 3}) live_models["m" + std::to_string(salt)] = std::make_unique<HashModel>(v.size(), salt);
  const auto sha = [](const std::string& name) { return std::string(63, 'c') + name.back(); };
  DuetEngine live(*live_models["m1"], v, spec, c);
  live.start(0);
  std::vector<TimedMessage> live_out;
  std::int64_t now = 0;
  auto run_for = [&](std::int64_t ns) {
    for (const std::int64_t until = now + ns; now < until; now += 2'000'000) live.advance(now, live_out);
  };
  const char* order[] = {"m2", "m3", "m1", "m3"};
  for (int i = 0; i < 4; ++i) {
    live.human(ShortMessage{0x90, static_cast<std::uint8_t>(60 + i), 80});
    run_for(200'000'000);
    live.human(ShortMessage{0x80, static_cast<std::uint8_t>(60 + i), 0});
    run_for(400'000'000);
    if (i == 2) live.reset_context(live_out);
    HashModel& next = *live_models[order[i]];
    const auto& t = live.committed_tokens();
    const std::size_t begin = live.context_begin(), until = t.size() - 1;
    next.reset();
    for (std::size_t k = begin; k < until; ++k) next.feed(t[k]);
    run_for(100'000'000);  // the bar line comes later: a few more tokens for the engine to feed
    live.swap_model(next, begin, until, order[i], sha(order[i]));
  }
  run_for(500'000'000);
  live.stop(live_out);

  SessionLog log;
  log.model_name = "m1";
  log.model_sha256 = sha("m1");
  log.spec = spec;
  log.config = live.config();
  log.inputs = live.log();
  log.end_step = live.frontier();
  log.committed_tokens = live.committed_tokens().size();
  write_session_log(path("swaps.log"), log);
  const SessionLog back = read_session_log(path("swaps.log"));
  EXPECT_EQ(back.inputs, live.log());

  std::map<std::string, std::unique_ptr<HashModel>> replay_models;
  for (std::uint64_t salt : {1, 2, 3}) replay_models["m" + std::to_string(salt)] = std::make_unique<HashModel>(v.size(), salt);
  int loads = 0;
  const ReplayModels models = [&](const std::string& name, const std::string& hash) -> TokenModel& {
    ++loads;
    if (hash != sha(name)) throw SessionLogError("sha256 of " + name + " differs");
    return *replay_models.at(name);
  };
  std::vector<TimedMessage> replay_out;
  EXPECT_EQ(replay_session(back, *replay_models["m1"], v, spec, &replay_out, models), live.committed_tokens());
  EXPECT_EQ(replay_out, live_out);
  EXPECT_EQ(loads, 4);

  try {
    replay_session(back, *replay_models["m1"], v, spec);
    ADD_FAILURE() << "replayed swaps without the models";
  } catch (const SessionLogError& e) {
    EXPECT_NE(std::string(e.what()).find("'m2'"), std::string::npos) << e.what();
  }
  const ReplayModels mismatched = [&](const std::string& name, const std::string&) -> TokenModel& {
    throw SessionLogError("model '" + name + "': sha256 mismatch");
  };
  EXPECT_THROW(replay_session(back, *replay_models["m1"], v, spec, nullptr, mismatched), SessionLogError);
}

}  // namespace
}  // namespace clara
