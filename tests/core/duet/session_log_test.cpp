#include "core/duet/session_log.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>


namespace clara {
namespace {

namespace fs = std::filesystem;

class SessionLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("clara_session_log_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path path(const std::string& name) const { return dir_ / name; }
  fs::path dir_;
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}
void spit(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

void expect_same_config(const DuetConfig& a, const DuetConfig& b) {
  EXPECT_EQ(a.mode, b.mode);
  EXPECT_EQ(a.bpm, b.bpm);
  EXPECT_EQ(a.lookahead_steps, b.lookahead_steps);
  EXPECT_EQ(a.commit_steps, b.commit_steps);
  EXPECT_EQ(a.answer_silence_beats, b.answer_silence_beats);
  EXPECT_EQ(a.answer_bars, b.answer_bars);
  EXPECT_EQ(a.beats_per_bar, b.beats_per_bar);
  EXPECT_EQ(a.human_prefix, b.human_prefix);
  EXPECT_EQ(a.clara_prefix, b.clara_prefix);
  EXPECT_EQ(a.fixed_velocity, b.fixed_velocity);
  EXPECT_EQ(a.clara_channel, b.clara_channel);
  EXPECT_EQ(a.clara_port, b.clara_port);
  EXPECT_EQ(a.sampler.policy, b.sampler.policy);
  EXPECT_EQ(a.sampler.temperature, b.sampler.temperature);
  EXPECT_EQ(a.sampler.top_k, b.sampler.top_k);
  EXPECT_EQ(a.sampler.top_p, b.sampler.top_p);
  EXPECT_EQ(a.sampler.random_freq, b.sampler.random_freq);
  EXPECT_EQ(a.sampler.seed, b.sampler.seed);
  EXPECT_EQ(a.grammar.forbid_unmatched_end, b.grammar.forbid_unmatched_end);
  EXPECT_EQ(a.grammar.forbid_double_onset, b.grammar.forbid_double_onset);
  EXPECT_EQ(a.grammar.max_note_steps, b.grammar.max_note_steps);
  EXPECT_EQ(a.grammar.max_polyphony, b.grammar.max_polyphony);
  EXPECT_EQ(a.grammar.forbid_unk_pad, b.grammar.forbid_unk_pad);
}

SessionLog unusual_log() {
  SessionLog log;
  log.model_name = "chamber \"test\" model";
  log.model_sha256 = std::string(64, 'a');
  log.spec = EncodingSpec::defaults(Encoding::chamber);
  DuetConfig& c = log.config;
  c.mode = DuetMode::accompany;
  c.bpm = 97.3;
  c.lookahead_steps = 30;
  c.commit_steps = 2;
  c.answer_silence_beats = 1.0 / 3.0;
  c.answer_bars = 3;
  c.beats_per_bar = 3;
  c.human_prefix = "v";
  c.clara_prefix = "p";
  c.fixed_velocity = 64;
  c.clara_channel = 9;
  c.clara_port = 3;
  c.sampler.policy = SamplingPolicy::kTopP;
  c.sampler.temperature = 0.85;
  c.sampler.top_k = 7;
  c.sampler.top_p = 0.93;
  c.sampler.random_freq = 0.25;
  c.sampler.seed = 18'000'000'000'000'000'000ull;  // beyond a TOML integer
  c.grammar = {.forbid_unmatched_end = false, .forbid_double_onset = true, .max_note_steps = 50,
               .max_polyphony = 4, .forbid_unk_pad = false};
  log.origin_ns = 987'654'321'012;
  log.inputs = {
      {DuetInput::Kind::human, 3, {0x91, 60, 100}, 1},  // played two steps before it was taken
      {DuetInput::Kind::human, 3, {0x81, 60, 0}, 3},
      {DuetInput::Kind::mode, 10, {}, 0, DuetMode::listen},
      {DuetInput::Kind::tempo, 12, {}, 0, DuetMode::answer, 132.5},
      {DuetInput::Kind::tempo, 13, {}, 0, DuetMode::answer, 0.1 + 100.2},
      {DuetInput::Kind::stop, 20, {}},
  };
  log.end_step = 20;
  log.committed_tokens = 77;
  return log;
}

TEST_F(SessionLogTest, RoundTripsEveryField) {
  const SessionLog log = unusual_log();
  write_session_log(path("a.log"), log);
  const SessionLog back = read_session_log(path("a.log"));
  EXPECT_EQ(back.format_version, SessionLog::kFormatVersion);
  EXPECT_EQ(back.model_name, log.model_name);
  EXPECT_EQ(back.model_sha256, log.model_sha256);
  EXPECT_EQ(back.spec, log.spec);
  expect_same_config(back.config, log.config);
  EXPECT_EQ(back.origin_ns, log.origin_ns);
  EXPECT_EQ(back.inputs, log.inputs);
  EXPECT_EQ(back.end_step, log.end_step);
  EXPECT_EQ(back.committed_tokens, log.committed_tokens);
  // The inputs are readable lines, as documented.
  const std::string text = slurp(path("a.log"));
  EXPECT_NE(text.find("\nstep 3 human 145 60 100 heard 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nstep 10 mode listen\n"), std::string::npos);
  EXPECT_NE(text.find("\nstep 12 tempo 132.5\n"), std::string::npos);
  EXPECT_NE(text.find("\nstep 20 stop\nend 20\n"), std::string::npos);
}

// Replaces the first occurrence of `from` in the written log and expects the read to fail
// with a message naming the file, the line and `what`.
void expect_rejected(const fs::path& p, const std::string& text, const std::string& from, const std::string& to,
                     int line, const std::string& what) {
  std::string edited = text;
  const std::size_t at = edited.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  edited.replace(at, from.size(), to);
  spit(p, edited);
  try {
    read_session_log(p);
    ADD_FAILURE() << "accepted: " << from << " -> " << to;
  } catch (const SessionLogError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(p.string() + ":" + std::to_string(line) + ":"), std::string::npos) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
  }
}

int line_of(const std::string& text, const std::string& needle) {
  const std::size_t at = text.find(needle);
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
}

TEST_F(SessionLogTest, StrictErrorsNameFileAndLine) {
  write_session_log(path("good.log"), unusual_log());
  const std::string text = slurp(path("good.log"));
  const fs::path bad = path("bad.log");
  expect_rejected(bad, text, "step 10 mode listen", "step 10 mode duet", line_of(text, "step 10 mode"), "duet");
  expect_rejected(bad, text, "step 12 tempo", "step 2 tempo", line_of(text, "step 12 tempo"), "steps go back");
  expect_rejected(bad, text, "human 145 60 100", "human 145 60 200", line_of(text, "human 145"), "channel message");
  expect_rejected(bad, text, "human 145 60 100", "human 145 60", line_of(text, "human 145"), "human <status>");
  expect_rejected(bad, text, "end 20\n", "end 20\nstep 21 stop\n", line_of(text, "end 20") + 1, "after the end");
  expect_rejected(bad, text, "end 20\n", "", line_of(text, "end 20") - 1, "no 'end");
  expect_rejected(bad, text, "top_k = 7", "top_k = 7\nbottom_k = 1", line_of(text, "top_k = 7") + 1,
                  "unknown key 'bottom_k'");
  expect_rejected(bad, text, "clara_channel = 9", "clara_channel = '9'", line_of(text, "clara_channel"),
                  "wrong type");
  expect_rejected(bad, text, "format_version = 1", "format_version = 2", line_of(text, "format_version"),
                  "not supported");
  spit(bad, "just some text\n");
  EXPECT_THROW(read_session_log(bad), SessionLogError);
  EXPECT_THROW(read_session_log(path("missing.log")), SessionLogError);
}

}  // namespace
}  // namespace clara
