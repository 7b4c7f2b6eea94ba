#include "core/duet/session_log.hpp"

#include <gtest/gtest.h>

#include <algorithm>
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
  EXPECT_EQ(a.sampler.key_keeping, b.sampler.key_keeping);
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
  c.sampler.key_keeping = 2.5;
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
  DuetInput phrasing{DuetInput::Kind::phrasing, 15, {}};
  phrasing.phrasing = {3, 0.75, 5};
  log.inputs.insert(log.inputs.end() - 1, phrasing);
  DuetInput swap{DuetInput::Kind::model, 16, {}};
  swap.model_name = "notewise-piano_2";
  swap.model_sha256 = std::string(63, 'e') + "0";
  log.inputs.insert(log.inputs.end() - 1, swap);
  DuetInput sampler{DuetInput::Kind::sampler, 14, {}};
  sampler.sampler = {.policy = SamplingPolicy::kTopK, .temperature = 1.25, .top_k = 9, .top_p = 0.5,
                     .random_freq = 0.125, .seed = 77, .key_keeping = 0.75};
  log.inputs.insert(log.inputs.begin() + 5, sampler);  // after the tempo at 13, before the phrasing at 15
  DuetInput choice{DuetInput::Kind::choice, 17, {}};
  choice.phrase_start = 18;
  choice.phrase_end = 30;
  choice.candidate = 3;
  choice.human_p = 0.625;
  log.inputs.insert(log.inputs.end() - 1, choice);
  log.end_step = 20;
  log.committed_tokens = 77;
  log.precision = "int8";
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
  EXPECT_EQ(back.precision, "int8");
  EXPECT_EQ(back.inputs, log.inputs);
  EXPECT_EQ(back.end_step, log.end_step);
  EXPECT_EQ(back.committed_tokens, log.committed_tokens);
  // The inputs are readable lines, as documented.
  const std::string text = slurp(path("a.log"));
  EXPECT_NE(text.find("\nstep 3 human 145 60 100 heard 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nstep 10 mode listen\n"), std::string::npos);
  EXPECT_NE(text.find("\nstep 12 tempo 132.5\n"), std::string::npos);
  EXPECT_NE(text.find("\nstep 14 sampler top-k 1.25 9 0.5 0.125 77 0.75\n"), std::string::npos) << text;
  EXPECT_NE(text.find("key_keeping = 2.5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nstep 15 phrasing 3 0.75 5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nstep 16 model notewise-piano_2 " + std::string(63, 'e') + "0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nstep 17 choice 18 30 3 0.625\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nstep 20 stop\nend 20 tokens 77\n"), std::string::npos);
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

// A log from before the precision key was played at fp32 (clarad's only step then), and
// replays so.
TEST_F(SessionLogTest, ALogWithoutPrecisionReadsAsFp32) {
  write_session_log(path("good.log"), unusual_log());
  std::string text = slurp(path("good.log"));
  const std::size_t at = text.find("precision = 'int8'\n");
  ASSERT_NE(at, std::string::npos) << text;
  text.erase(at, std::string("precision = 'int8'\n").size());
  spit(path("old.log"), text);
  EXPECT_EQ(read_session_log(path("old.log")).precision, "fp32");
}

// Logs from before the key-keeping bias have no key_keeping, in the header or a sampler line:
// it was off, and they replay so.
TEST_F(SessionLogTest, ALogWithoutKeyKeepingReadsAsOff) {
  write_session_log(path("good.log"), unusual_log());
  std::string text = slurp(path("good.log"));
  for (const std::string old : {"key_keeping = 2.5\n", " 77 0.75\n"}) {
    const std::size_t at = text.find(old);
    ASSERT_NE(at, std::string::npos) << old << " in " << text;
    text.replace(at, old.size(), old.front() == ' ' ? " 77\n" : "");
  }
  spit(path("old.log"), text);
  const SessionLog back = read_session_log(path("old.log"));
  EXPECT_EQ(back.config.sampler.key_keeping, 0.0);
  const auto sampler = std::find_if(back.inputs.begin(), back.inputs.end(),
                                    [](const DuetInput& in) { return in.kind == DuetInput::Kind::sampler; });
  ASSERT_NE(sampler, back.inputs.end());
  EXPECT_EQ(sampler->sampler.key_keeping, 0.0);
  EXPECT_EQ(sampler->sampler.seed, 77u);
  EXPECT_EQ(sampler->sampler.top_k, 9);
}

TEST_F(SessionLogTest, KeyKeepingOutsideItsRangeIsRejected) {
  write_session_log(path("good.log"), unusual_log());
  const std::string text = slurp(path("good.log"));
  const fs::path bad = path("bad.log");
  const int line = line_of(text, "step 14 sampler");
  expect_rejected(bad, text, " 77 0.75\n", " 77 16.5\n", line, "key_keeping = 16.5 is invalid");
  expect_rejected(bad, text, " 77 0.75\n", " 77 -1\n", line, "key_keeping = -1 is invalid");
  expect_rejected(bad, text, " 77 0.75\n", " 77 0.75 3\n", line, "[<key_keeping>]");
  expect_rejected(bad, text, " 77 0.75\n", " 77 strong\n", line, "[<key_keeping>]");
  expect_rejected(bad, text, "key_keeping = 2.5", "key_keeping = 17.0", line_of(text, "key_keeping = 2.5"),
                  "key_keeping 17 is outside [0, 16]");
  expect_rejected(bad, text, "key_keeping = 2.5", "key_keeping = 'high'", line_of(text, "key_keeping = 2.5"),
                  "wrong type");
}

TEST_F(SessionLogTest, StrictErrorsNameFileAndLine) {
  write_session_log(path("good.log"), unusual_log());
  const std::string text = slurp(path("good.log"));
  const fs::path bad = path("bad.log");
  expect_rejected(bad, text, "step 10 mode listen", "step 10 mode duet", line_of(text, "step 10 mode"), "duet");
  expect_rejected(bad, text, "step 12 tempo", "step 2 tempo", line_of(text, "step 12 tempo"), "steps go back");
  expect_rejected(bad, text, "human 145 60 100", "human 145 60 200", line_of(text, "human 145"),
                  "data2 200 is outside 0..127");
  expect_rejected(bad, text, "human 145 60 100", "human 145 60", line_of(text, "human 145"), "human <status>");
  // A swapped-in model is a folder name, never a path, with a whole sha256.
  expect_rejected(bad, text, "model notewise-piano_2", "model ../../etc", line_of(text, "model notewise"),
                  "step <n> model <name> <sha256>");
  expect_rejected(bad, text, std::string(62, 'e') + "0\n", std::string(61, 'e') + "0\n", line_of(text, "model notewise"), "64");
  expect_rejected(bad, text, "end 20 tokens 77\n", "end 20 tokens 77\nstep 21 stop\n", line_of(text, "end 20") + 1,
                  "after the end");
  expect_rejected(bad, text, "end 20 tokens 77\n", "", line_of(text, "end 20") - 1, "before its first checkpoint");
  expect_rejected(bad, text, "top_k = 7", "top_k = 7\nbottom_k = 1", line_of(text, "top_k = 7") + 1,
                  "unknown key 'bottom_k'");
  expect_rejected(bad, text, "clara_channel = 9", "clara_channel = '9'", line_of(text, "clara_channel"),
                  "wrong type");
  expect_rejected(bad, text, "format_version = 2", "format_version = 3", line_of(text, "format_version"),
                  "not supported");
  expect_rejected(bad, text, "precision = 'int8'", "precision = 'int4'", line_of(text, "precision ="),
                  "precision 'int4' is not fp32 or int8");
  spit(bad, "just some text\n");
  EXPECT_THROW(read_session_log(bad), SessionLogError);
  EXPECT_THROW(read_session_log(path("missing.log")), SessionLogError);
}

// Every number in a log is bounded to what the format can mean, and the error gives the line
// and the range: a hostile `end` must not make replay run for ever.
TEST_F(SessionLogTest, NumbersOutsideTheirRangeAreRejectedWithTheRange) {
  const SessionLog good = unusual_log();
  write_session_log(path("good.log"), good);
  const std::string text = slurp(path("good.log"));
  const fs::path bad = path("bad.log");
  const std::string max = std::to_string(max_session_steps(good.spec));
  const int end = line_of(text, "end 20");
  struct Case {
    std::string line, what;
    int offset = 0;  // the failing line, from the end line
  };
  const std::vector<Case> cases = {
      {"end 99999999999999999999 tokens 77", "step 99999999999999999999 is outside 0.." + max + " (the longest session"},
      {"end " + std::to_string(max_session_steps(good.spec) + 1) + " tokens 77", "is outside 0.." + max},
      {"end 9223372036854775807 tokens 77", "step 9223372036854775807 is outside 0.." + max},
      {"end 20 tokens 18446744073709551616", "token count 18446744073709551616 is outside 0..9223372036854775807"},
      {"end 20 tokens -1", "token count -1 is outside 0.."},
      {"end 20", "expected 'end <step> tokens <n>'"},
      {"end 20 steps 77", "expected 'end <step> tokens <n>'"},
      {"end 19 tokens 77", "the end step comes before the last input"},
      {"at 30", "expected 'at <step> tokens <n>'"},
      {"at 5 tokens 77", "the checkpoint step comes before the last input"},
      {"at 20 tokens 77\nend 20 tokens 76", "the token count goes back (from 77)", 1},
      {"step -1 stop", "step -1 is outside 0.." + max},
      {"step 99999999999999999999999 stop", "step 99999999999999999999999 is outside 0.." + max},
      {"step 1e3 stop", "expected 'step <n> human|mode|tempo|stop"},
      {"step +30 stop", "expected 'step <n> human|mode|tempo|stop"},
      {"step 30 human 300 60 100", "status 300 is outside 128..239 (a channel message)"},
      {"step 30 human 127 60 100", "status 127 is outside 128..239"},
      {"step 30 human 145 128 100", "data1 128 is outside 0..127"},
      {"step 30 human 145 60 -1", "data2 -1 is outside 0..127"},
      {"step 30 human 145 60 100 heard 31", "heard step 31 is outside 0..30"},
      {"step 30 human 145 60 100 heard -1", "heard step -1 is outside 0..30"},
      {"step 30 human 145 60 100 seen 3", "expected 'step <n> human <status> <data1> <data2> [heard <step>]'"},
      {"step 30 tempo 401", "tempo 401 is outside [20, 400] bpm"},
      {"step 30 tempo nan", "tempo nan is outside [20, 400] bpm"},
      {"step 30 tempo -inf", "tempo -inf is outside [20, 400] bpm"},
      {"step 30 phrasing 2 1", "expected 'step <n> phrasing <answer_bars> <silence_beats> <beats_per_bar>'"},
      {"step 30 phrasing 0 1 4", "answer_bars"},
      {"step 30 phrasing 2 nan 4", "answer_silence_beats"},
      {"step 30 phrasing 2 1 33", "beats_per_bar"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    expect_rejected(bad, text, "end 20 tokens 77\n", c.line + "\n", end + c.offset, c.what);
  }
  // The header's numbers too.
  expect_rejected(bad, text, "origin_ns = 987654321012", "origin_ns = -5", line_of(text, "origin_ns"),
                  "origin_ns -5 is outside 0..4611686018427387904");
  expect_rejected(bad, text, "lookahead_steps = 30", "lookahead_steps = 2147483647", line_of(text, "lookahead_steps"),
                  "lookahead_steps 2147483647 is outside 0.." + max);
  expect_rejected(bad, text, "commit_steps = 2", "commit_steps = 999999999", line_of(text, "commit_steps"),
                  "commit_steps 999999999 is outside 0.." + max);
  // The largest step the format means is accepted.
  std::string edited = text;
  edited.replace(edited.find("end 20 tokens 77"), 16, "end " + max + " tokens 77");
  spit(bad, edited);
  EXPECT_EQ(read_session_log(bad).end_step, max_session_steps(good.spec));
}

// The daemon appends the log as the session goes; after a crash it just stops.
std::string appended_log(const SessionLog& log) {
  std::string text = session_log_header(log);
  text += session_log_checkpoint(0, 1);
  for (std::size_t i = 0; i < log.inputs.size(); ++i) {
    text += session_log_line(log.inputs[i]);
    if (i == 2) text += session_log_checkpoint(log.inputs[i].step + 1, 40);
  }
  text += session_log_checkpoint(log.end_step, 70);
  text += session_log_end(log.end_step, log.committed_tokens);
  return text;
}

TEST_F(SessionLogTest, AnAppendedLogReadsLikeAWholeOne) {
  const SessionLog log = unusual_log();
  spit(path("a.log"), appended_log(log));
  const SessionLog back = read_session_log(path("a.log"));
  EXPECT_TRUE(back.complete);
  EXPECT_TRUE(back.notes.empty());
  EXPECT_EQ(back.inputs, log.inputs);
  EXPECT_EQ(back.end_step, log.end_step);
  EXPECT_EQ(back.committed_tokens, log.committed_tokens);
}

TEST_F(SessionLogTest, ALogWithoutItsEndReplaysToTheLastCheckpoint) {
  const SessionLog log = unusual_log();
  const std::string text = appended_log(log);
  // Cut after the checkpoint that follows the third input, in the middle of the next line.
  const std::size_t at = text.find("at 11 tokens 40\n");
  ASSERT_NE(at, std::string::npos) << text;
  const std::string cut = text.substr(0, at + 16) + session_log_line(log.inputs[3]) + "step 13 tem";
  spit(path("cut.log"), cut);
  const SessionLog back = read_session_log(path("cut.log"));
  EXPECT_FALSE(back.complete);
  EXPECT_EQ(back.end_step, 11);
  EXPECT_EQ(back.committed_tokens, 40u);
  ASSERT_EQ(back.inputs.size(), 3u);  // the tempo at step 12 came after the checkpoint
  EXPECT_EQ(back.inputs.back(), log.inputs[2]);
  ASSERT_EQ(back.notes.size(), 2u);
  const int last = line_of(cut, "step 13 tem");
  EXPECT_NE(back.notes[0].find(path("cut.log").string() + ":" + std::to_string(last) +
                               ": the last line is incomplete (the log was cut at byte " + std::to_string(cut.size())),
            std::string::npos)
      << back.notes[0];
  EXPECT_NE(back.notes[1].find("replaying up to the last checkpoint, step 11 (line " +
                               std::to_string(line_of(cut, "at 11 tokens 40")) + "); the 1 input(s) after it are left out"),
            std::string::npos)
      << back.notes[1];

  // A last line cut short can look whole ("step 12 tempo 13" of "... 132.5"): it is still ignored.
  const std::size_t tempo = cut.find("step 12 tempo 13");
  spit(path("cut2.log"), cut.substr(0, tempo + 16));
  const SessionLog back2 = read_session_log(path("cut2.log"));
  EXPECT_EQ(back2.inputs.size(), 3u);
  EXPECT_EQ(back2.end_step, 11);

  // Cut before the first checkpoint: nothing to replay, and the error says why.
  const std::string header_only = session_log_header(log);
  spit(path("early.log"), header_only + "at 0 tok");
  try {
    read_session_log(path("early.log"));
    ADD_FAILURE() << "accepted a log without a checkpoint";
  } catch (const SessionLogError& e) {
    EXPECT_NE(std::string(e.what()).find("ends before its first checkpoint"), std::string::npos) << e.what();
  }
  // Cut in the header.
  spit(path("header.log"), header_only.substr(0, header_only.size() / 2));
  try {
    read_session_log(path("header.log"));
    ADD_FAILURE() << "accepted half a header";
  } catch (const SessionLogError& e) {
    EXPECT_NE(std::string(e.what()).find("cut short in its header"), std::string::npos) << e.what();
  }
}

TEST_F(SessionLogTest, FormatOneLogsStillRead) {
  const SessionLog log = unusual_log();
  write_session_log(path("a.log"), log);
  std::string text = slurp(path("a.log"));
  text.replace(text.find("format_version = 2"), 18, "format_version = 1\ncommitted_tokens = 77");
  text.replace(text.find("end 20 tokens 77"), 16, "end 20");
  spit(path("v1.log"), text);
  const SessionLog back = read_session_log(path("v1.log"));
  EXPECT_EQ(back.format_version, 1);
  EXPECT_EQ(back.inputs, log.inputs);
  EXPECT_EQ(back.end_step, 20);
  EXPECT_EQ(back.committed_tokens, 77u);
  EXPECT_TRUE(back.complete);
}

}  // namespace
}  // namespace clara
