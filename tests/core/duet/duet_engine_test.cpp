#include "core/duet/duet_engine.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "core/encoding/notewise_codec.hpp"
#include "core/encoding/token_table.hpp"
#include "tests/core/generation/fake_token_models.hpp"

namespace clara {
namespace {

using testing::ConstModel;
using testing::HashModel;
using testing::preferring;

const EncodingSpec kPiano = EncodingSpec::defaults(Encoding::notewise);
const EncodingSpec kChamber = EncodingSpec::defaults(Encoding::chamber);

ShortMessage on(int key, int velocity = 90) {
  return {0x90, static_cast<std::uint8_t>(key), static_cast<std::uint8_t>(velocity)};
}
ShortMessage off(int key) { return {0x80, static_cast<std::uint8_t>(key), 0}; }
ShortMessage pedal(int value) { return {0xB0, 64, static_cast<std::uint8_t>(value)}; }

DuetConfig argmax_config(DuetMode mode) {
  DuetConfig c;
  c.mode = mode;
  c.sampler.policy = SamplingPolicy::kSeed;
  c.sampler.random_freq = 0.0;
  return c;
}

DuetConfig random_config(DuetMode mode, std::uint64_t seed = 5) {
  DuetConfig c;
  c.mode = mode;
  c.sampler.policy = SamplingPolicy::kTemperature;
  c.sampler.seed = seed;
  return c;
}

std::vector<TimedMessage> note_ons(const std::vector<TimedMessage>& out) {
  std::vector<TimedMessage> r;
  for (const auto& m : out)
    if (m.msg.is_note_on()) r.push_back(m);
  return r;
}

// Every note-off matches an earlier note-on of Clara's, every note-on is closed, and the
// output comes in due-time order.
void expect_balanced(const std::vector<TimedMessage>& out) {
  std::map<int, int> depth;
  std::int64_t last = std::numeric_limits<std::int64_t>::min();
  for (const auto& m : out) {
    EXPECT_GE(m.time_ns, last) << "output not in due-time order";
    last = m.time_ns;
    if (m.msg.is_note_on()) ++depth[m.msg.data1];
    if (m.msg.is_note_off()) {
      EXPECT_GT(depth[m.msg.data1], 0) << "note-off for key " << int(m.msg.data1) << " Clara did not start";
      --depth[m.msg.data1];
    }
  }
  for (auto [key, d] : depth) EXPECT_EQ(d, 0) << "key " << key << " left sounding";
}

int count_kind(const std::vector<int>& tokens, const Vocabulary& v, TokenKind kind, const std::string& prefix) {
  TokenTable table(v);
  int n = 0;
  for (int id : tokens) {
    const TokenInfo& t = table.info(id);
    if (t.kind == kind && (prefix.empty() || table.prefixes()[static_cast<std::size_t>(t.prefix)] == prefix)) ++n;
  }
  return n;
}

TEST(DuetEngine, GridTimesAndInverse) {
  Vocabulary v = notewise_vocabulary(kPiano);
  HashModel model(v.size());
  DuetEngine e(model, v, kPiano, argmax_config(DuetMode::listen));
  e.start(1'000'000'000);
  const double step_ns = 60e9 / (120.0 * 12);
  EXPECT_EQ(e.time_of_step(0), 1'000'000'000);
  EXPECT_EQ(e.time_of_step(7), 1'000'000'000 + std::llround(7 * step_ns));
  EXPECT_NEAR(e.step_at(e.time_of_step(40)), 40.0, 1e-6);
  EXPECT_EQ(e.committed_tokens(), std::vector<int>{Vocabulary::kEos});
}

TEST(DuetEngine, ConfigValidationNamesTheField) {
  Vocabulary v = notewise_vocabulary(kPiano);
  HashModel model(v.size());
  auto rejects = [&](auto edit, const char* name) {
    DuetConfig c;
    edit(c);
    try {
      DuetEngine e(model, v, kPiano, c);
      ADD_FAILURE() << name << " accepted";
    } catch (const std::invalid_argument& ex) {
      EXPECT_NE(std::string(ex.what()).find(name), std::string::npos) << ex.what();
    }
  };
  rejects([](DuetConfig& c) { c.bpm = 10; }, "bpm");
  rejects([](DuetConfig& c) { c.answer_silence_beats = 0; }, "answer_silence_beats");
  rejects([](DuetConfig& c) { c.answer_bars = 0; }, "answer_bars");
  rejects([](DuetConfig& c) { c.clara_prefix = "v"; }, "clara_prefix");
  rejects([](DuetConfig& c) { c.clara_channel = 16; }, "clara_channel");
  rejects([](DuetConfig& c) { c.fixed_velocity = 128; }, "fixed_velocity");
  rejects([](DuetConfig& c) { c.sampler.temperature = 0; }, "temperature");
  HashModel wrong(v.size() + 1);
  EXPECT_THROW(DuetEngine(wrong, v, kPiano, DuetConfig{}), std::invalid_argument);
  EXPECT_EQ(parse_duet_mode("accompany"), DuetMode::accompany);
  EXPECT_THROW(parse_duet_mode("duet"), std::invalid_argument);
}

// Clara holds p30 as long as the grammar lets her: a known pattern to interrupt.
ConstModel holding_model(const Vocabulary& v) { return ConstModel(preferring(v, {"p30", "wait1"})); }

TEST(DuetEngine, AnswerStartsTheStepAfterTheSilenceWithAnOnset) {
  Vocabulary v = notewise_vocabulary(kPiano);
  HashModel model(v.size());
  DuetConfig c = random_config(DuetMode::answer);
  DuetEngine e(model, v, kPiano, c);
  e.start(0);
  std::vector<TimedMessage> out;
  e.commit_until(10, out);
  EXPECT_EQ(e.human(on(60)), 10);
  e.commit_until(20, out);
  EXPECT_EQ(e.human(off(60)), 20);
  e.commit_until(32, out);
  EXPECT_TRUE(out.empty()) << "Clara played during the phrase or its silence";
  // Silence of one beat (12 steps) holds at step 32: the answer's first token is at 33.
  const std::size_t before = e.committed_tokens().size();
  e.commit_until(34, out);
  ASSERT_FALSE(out.empty());
  EXPECT_TRUE(out.front().msg.is_note_on());
  EXPECT_EQ(out.front().time_ns, e.time_of_step(33));
  EXPECT_EQ(out.front().msg.channel(), c.clara_channel);
  TokenTable table(v);
  bool saw_onset = false;
  for (std::size_t i = before; i < e.committed_tokens().size(); ++i) {
    const TokenInfo& t = table.info(e.committed_tokens()[i]);
    if (t.kind == TokenKind::kWait) continue;  // the silence before the answer
    EXPECT_EQ(t.kind, TokenKind::kOnset) << "the answer's first token must be an onset";
    saw_onset = true;
    break;
  }
  EXPECT_TRUE(saw_onset);
  EXPECT_EQ(e.stats().answers, 1u);
  EXPECT_LE(e.stats().last_reaction_ns, std::llround(60e9 / (120.0 * 12)));
  EXPECT_GT(e.stats().last_reaction_ns, 0);
  e.commit_until(200, out);
  e.stop(out);
  expect_balanced(out);
}

TEST(DuetEngine, SilenceCountsFromWhenTheNoteOffWasPlayed) {
  // The frontier runs commit_steps + 1 steps ahead of the clock; a note-off played at step
  // 20.5 but taken at the frontier (22) must not delay the answer by those two steps.
  Vocabulary v = notewise_vocabulary(kPiano);
  HashModel model(v.size());
  DuetConfig c = random_config(DuetMode::answer);
  c.max_late_steps = 0;  // the clock jumps on purpose
  DuetEngine e(model, v, kPiano, c);
  e.start(0);
  std::vector<TimedMessage> out;
  e.advance(e.time_of_step(8) + 1, out);  // clock in step 8: frontier 10
  ASSERT_EQ(e.frontier(), 10);
  e.human(on(60), e.time_of_step(8) + 1);
  const std::int64_t played = (e.time_of_step(20) + e.time_of_step(21)) / 2;
  e.advance(played, out);
  ASSERT_EQ(e.frontier(), 22);
  EXPECT_EQ(e.human(off(60), played), 22);
  EXPECT_EQ(e.log().back().heard, 20);
  // Condition holds at 20.5 + 12 = step 32.5; the answer starts at step 33.
  e.commit_until(34, out);
  const auto ons = note_ons(out);
  ASSERT_FALSE(ons.empty());
  EXPECT_EQ(ons.front().time_ns, e.time_of_step(33));
  EXPECT_EQ(e.stats().last_reaction_ns, e.time_of_step(33) - (played + e.time_of_step(12)));
  e.stop(out);
  expect_balanced(out);
}

TEST(DuetEngine, SecondPhraseInterruptsTheAnswerAtTheFrontier) {
  Vocabulary v = notewise_vocabulary(kPiano);
  ConstModel model = holding_model(v);
  DuetEngine e(model, v, kPiano, argmax_config(DuetMode::answer));
  e.start(0);
  std::vector<TimedMessage> out;
  e.commit_until(2, out);
  e.human(on(60));
  e.commit_until(5, out);
  e.human(off(60));
  e.commit_until(25, out);  // answer from step 18
  ASSERT_EQ(note_ons(out).size(), 1u);
  EXPECT_EQ(out.front().time_ns, e.time_of_step(18));
  EXPECT_EQ(out.front().msg.data1, kPiano.range.pitch_of(30));
  EXPECT_EQ(e.human(on(64)), 25);
  e.commit_until(26, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[1].msg.is_note_off());
  EXPECT_EQ(out[1].msg.data1, out[0].msg.data1);
  EXPECT_EQ(out[1].time_ns, e.time_of_step(25));
  // Clara's note stopped at the frontier: as the encoder writes it, its end sits in the
  // last step it sounded (24, before that step's wait), the human's onset in step 25.
  const auto& tokens = e.committed_tokens();
  const int human_onset = v.id("p" + std::to_string(64 - kPiano.range.lowest));
  auto it = std::find(tokens.begin(), tokens.end(), human_onset);
  ASSERT_NE(it, tokens.end());
  EXPECT_EQ(*(it - 1), v.id("wait1"));
  EXPECT_EQ(*(it - 2), v.id("endp30"));
  // The second phrase gets its own answer after its silence.
  e.human(off(64));
  e.commit_until(60, out);
  EXPECT_EQ(e.stats().answers, 2u);
  EXPECT_EQ(note_ons(out).size(), 2u);
  EXPECT_EQ(note_ons(out)[1].time_ns, e.time_of_step(26 + 12 + 1));
  e.stop(out);
  expect_balanced(out);
}

TEST(DuetEngine, AnswerLastsAtMostItsBars) {
  Vocabulary v = notewise_vocabulary(kPiano);
  ConstModel model = holding_model(v);
  DuetConfig c = argmax_config(DuetMode::answer);
  c.answer_bars = 1;
  c.beats_per_bar = 2;  // 24 steps
  DuetEngine e(model, v, kPiano, c);
  e.start(0);
  std::vector<TimedMessage> out;
  e.human(on(60));
  e.commit_until(3, out);
  e.human(off(60));
  e.commit_until(200, out);
  // Phrase end at 3 + 12 = 15, answer 16..39: Clara's note ends at 40 and nothing follows.
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].time_ns, e.time_of_step(16));
  EXPECT_TRUE(out[1].msg.is_note_off());
  EXPECT_EQ(out[1].time_ns, e.time_of_step(16 + 24));
  expect_balanced(out);
}

TEST(DuetEngine, PhrasingSetLiveChangesTheNextAnswerAndBadValuesChangeNothing) {
  Vocabulary v = notewise_vocabulary(kPiano);
  ConstModel model = holding_model(v);
  DuetConfig c = argmax_config(DuetMode::answer);
  c.answer_bars = 1;
  c.beats_per_bar = 2;  // 24 steps at first
  DuetEngine e(model, v, kPiano, c);
  e.start(0);
  std::vector<TimedMessage> out;
  EXPECT_THROW(e.set_phrasing({0, 1.0, 2}), std::invalid_argument);
  EXPECT_THROW(e.set_phrasing({1, 0.0, 2}), std::invalid_argument);
  EXPECT_THROW(e.set_phrasing({1, 1.0, 33}), std::invalid_argument);
  EXPECT_THROW(e.set_phrasing({1, std::nan(""), 2}), std::invalid_argument);
  EXPECT_EQ(e.config().phrasing(), (Phrasing{1, 1.0, 2}));
  e.set_phrasing({2, 0.5, 3});  // two bars of three beats = 72 steps; half a beat of silence = 6 steps
  EXPECT_EQ(e.config().phrasing(), (Phrasing{2, 0.5, 3}));
  e.human(on(60));
  e.commit_until(3, out);
  e.human(off(60));
  e.commit_until(300, out);
  // Phrase end at 3 + 6 = 9, answer 10..81.
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].time_ns, e.time_of_step(10));
  EXPECT_EQ(out[1].time_ns, e.time_of_step(10 + 72));
  ASSERT_FALSE(e.log().empty());
  EXPECT_EQ(e.log().front().kind, DuetInput::Kind::phrasing);
  EXPECT_EQ(e.log().front().phrasing, (Phrasing{2, 0.5, 3}));
  expect_balanced(out);
}

TEST(DuetEngine, SampledEosEndsTheAnswer) {
  Vocabulary v = notewise_vocabulary(kPiano);
  // <eos> is the model's favourite, but the answer's first token must be an onset.
  ConstModel model(preferring(v, {"<eos>", "p30", "wait1"}));
  DuetEngine e(model, v, kPiano, argmax_config(DuetMode::answer));
  e.start(0);
  std::vector<TimedMessage> out;
  e.human(on(60));
  e.commit_until(3, out);
  e.human(off(60));
  e.commit_until(100, out);
  // Phrase end at 15, onset at 16, <eos> right after it: the note ends with its step.
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].msg.is_note_on());
  EXPECT_EQ(out[0].time_ns, e.time_of_step(16));
  EXPECT_TRUE(out[1].msg.is_note_off());
  EXPECT_EQ(out[1].time_ns, e.time_of_step(17));
  const auto& tokens = e.committed_tokens();
  EXPECT_EQ(std::count(tokens.begin(), tokens.end(), Vocabulary::kEos), 1) << "<eos> stays out of the stream";
  EXPECT_EQ(std::count(tokens.begin(), tokens.end(), v.id("endp30")), 1);
  EXPECT_EQ(e.stats().answers, 1u);
}

TEST(DuetEngine, PedalReleaseEndsThePhraseAtTheNextStep) {
  Vocabulary v = notewise_vocabulary(kPiano);
  ConstModel model = holding_model(v);
  DuetEngine e(model, v, kPiano, argmax_config(DuetMode::answer));
  e.start(0);
  std::vector<TimedMessage> out;
  e.human(pedal(127));
  e.commit_until(2, out);
  e.human(on(60));
  e.commit_until(4, out);
  e.human(off(60));
  e.commit_until(30, out);  // silence is long past, but the pedal holds the phrase
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(e.human(pedal(0)), 30);
  e.commit_until(32, out);
  ASSERT_EQ(note_ons(out).size(), 1u);
  EXPECT_EQ(out[0].time_ns, e.time_of_step(31));
  EXPECT_EQ(e.stats().last_reaction_ns, e.time_of_step(31) - e.time_of_step(30));
  e.stop(out);
  expect_balanced(out);
}

TEST(DuetEngine, AccompanyChamberClaraOnlyPlaysHerInstrument) {
  Vocabulary v = notewise_vocabulary(kChamber);
  HashModel model(v.size(), 3);
  DuetConfig c = random_config(DuetMode::accompany, 11);
  c.human_prefix = "v";
  c.clara_prefix = "p";
  DuetEngine e(model, v, kChamber, c);
  e.start(0);
  std::vector<TimedMessage> out;
  int human_onsets = 0;
  for (int s = 0; s < 400; s += 7) {
    e.commit_until(s, out);
    const int key = 60 + (s % 12);
    e.human(on(key));
    ++human_onsets;
    e.commit_until(s + 4, out);
    e.human(off(key));
  }
  e.stop(out);
  const auto& tokens = e.committed_tokens();
  EXPECT_EQ(count_kind(tokens, v, TokenKind::kOnset, "v"), human_onsets);
  const int clara_onsets = count_kind(tokens, v, TokenKind::kOnset, "p");
  EXPECT_GT(clara_onsets, 10);
  EXPECT_EQ(static_cast<int>(note_ons(out).size()), clara_onsets);
  TokenTable table(v);
  for (const auto& m : note_ons(out)) EXPECT_GE(m.msg.data1, kChamber.range.lowest);
  expect_balanced(out);
}

TEST(DuetEngine, ListenIsSilentButKeepsTheContext) {
  Vocabulary v = notewise_vocabulary(kPiano);
  HashModel model(v.size());
  DuetEngine e(model, v, kPiano, random_config(DuetMode::listen));
  e.start(0);
  std::vector<TimedMessage> out;
  for (int s = 0; s < 200; s += 10) {
    e.advance(e.time_of_step(s), out);
    e.human(on(50 + s / 10));
    e.advance(e.time_of_step(s + 5), out);
    e.human(off(50 + s / 10));
  }
  e.commit_until(300, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(e.stats().tokens_generated, 0u);
  EXPECT_EQ(count_kind(e.committed_tokens(), v, TokenKind::kOnset, "p"), 20);
  EXPECT_EQ(count_kind(e.committed_tokens(), v, TokenKind::kEnd, "p"), 20);
  // The waits add up to the committed steps (up to the silence not yet written).
  int steps = 0;
  TokenTable table(v);
  for (int id : e.committed_tokens())
    if (table.info(id).kind == TokenKind::kWait) steps += table.info(id).wait;
  EXPECT_LE(steps, 300);
  EXPECT_GT(steps, 300 - kPiano.max_wait());
}

TEST(DuetEngine, SoloIgnoresTheHuman) {
  Vocabulary v = notewise_vocabulary(kPiano);
  DuetConfig c = random_config(DuetMode::solo, 21);
  c.fixed_velocity = 100;
  auto run = [&](bool with_human) {
    HashModel model(v.size());
    DuetEngine e(model, v, kPiano, c);
    e.start(0);
    std::vector<TimedMessage> out;
    for (int s = 0; s < 300; s += 9) {
      e.commit_until(s, out);
      if (with_human) e.human(s % 18 ? off(60) : on(60));
    }
    e.commit_until(320, out);
    e.stop(out);
    EXPECT_EQ(e.stats().human_messages, with_human ? 34u : 0u);
    return std::make_pair(e.committed_tokens(), out);
  };
  const auto [tokens_alone, out_alone] = run(false);
  const auto [tokens_with, out_with] = run(true);
  EXPECT_EQ(tokens_with, tokens_alone);
  EXPECT_EQ(out_with, out_alone);
  EXPECT_FALSE(note_ons(out_alone).empty());
  for (const auto& m : note_ons(out_alone)) EXPECT_EQ(m.msg.data2, 100);
  expect_balanced(out_alone);
}

TEST(DuetEngine, TempoChangeKeepsCommittedTimes) {
  Vocabulary v = notewise_vocabulary(kPiano);
  HashModel model(v.size());
  DuetEngine e(model, v, kPiano, random_config(DuetMode::accompany));
  e.start(500);
  std::vector<TimedMessage> out;
  e.commit_until(30, out);
  std::vector<std::int64_t> before;
  for (int s = 0; s <= 30; ++s) before.push_back(e.time_of_step(s));
  const std::size_t committed_msgs = out.size();
  e.set_tempo(90);
  for (int s = 0; s <= 30; ++s) EXPECT_EQ(e.time_of_step(s), before[static_cast<std::size_t>(s)]);
  EXPECT_EQ(e.time_of_step(40) - e.time_of_step(30), std::llround(10 * 60e9 / (90.0 * 12)));
  e.commit_until(100, out);
  for (std::size_t i = committed_msgs; i < out.size(); ++i) EXPECT_GE(out[i].time_ns, before.back());
  EXPECT_THROW(e.set_tempo(1000), std::invalid_argument);
  ASSERT_EQ(e.log().size(), 1u);
  EXPECT_EQ(e.log()[0].kind, DuetInput::Kind::tempo);
  EXPECT_EQ(e.log()[0].step, 30);
  e.stop(out);
  expect_balanced(out);
}

TEST(DuetEngine, EveryNoteOnHasItsNoteOffAfterStop) {
  Vocabulary v = notewise_vocabulary(kPiano);
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    HashModel model(v.size(), seed);
    DuetConfig c = random_config(DuetMode::accompany, seed);
    c.grammar.max_note_steps = 0;  // long notes: some surely sound at stop
    DuetEngine e(model, v, kPiano, c);
    e.start(0);
    std::vector<TimedMessage> out;
    for (std::int64_t t = 0; t < 2'000'000'000; t += 5'000'000) {
      if (t % 300'000'000 == 0) e.human(on(55 + static_cast<int>(t / 300'000'000)));
      e.advance(t, out);
    }
    e.stop(out);
    e.advance(3'000'000'000, out);  // stopped: nothing more
    expect_balanced(out);
    EXPECT_FALSE(note_ons(out).empty());
  }
}

// The live run: advance every millisecond with speculation, inputs at wall-clock moments.
struct LiveInput {
  std::int64_t time_ns;
  enum Kind { human, control_mode, tempo } kind;
  ShortMessage msg{};
  DuetMode mode = DuetMode::answer;
  double bpm = 0;
};

std::pair<std::vector<int>, std::vector<TimedMessage>> replay_steps(TokenModel& model, const Vocabulary& v,
                                                                     const EncodingSpec& spec, DuetConfig c,
                                                                     const std::vector<DuetInput>& log,
                                                                     std::int64_t end_step, std::int64_t origin = 0) {
  DuetEngine e(model, v, spec, c);
  e.start(origin);
  std::vector<TimedMessage> out;
  for (const DuetInput& in : log) {
    e.commit_until(in.step, out);
    switch (in.kind) {
      case DuetInput::Kind::human: EXPECT_EQ(e.human_at_step(in.msg, in.heard), in.step); break;
      case DuetInput::Kind::mode: e.set_mode(in.mode, out); break;
      case DuetInput::Kind::tempo: e.set_tempo(in.bpm); break;
      case DuetInput::Kind::stop: e.stop(out); break;
      case DuetInput::Kind::sampler: e.set_sampler(in.sampler); break;
      case DuetInput::Kind::velocity: e.set_velocity(in.velocity); break;
      case DuetInput::Kind::instruments: e.set_instruments(in.human_prefix, in.clara_prefix, out); break;
      case DuetInput::Kind::reset: e.reset_context(out); break;
      case DuetInput::Kind::phrasing: e.set_phrasing(in.phrasing); break;
      case DuetInput::Kind::model: ADD_FAILURE() << "no model swaps in these logs"; break;
      case DuetInput::Kind::choice: ADD_FAILURE() << "no ranked phrases in these logs"; break;
    }
  }
  e.commit_until(end_step, out);
  EXPECT_EQ(e.stats().rollbacks, 0u);
  return {e.committed_tokens(), out};
}

TEST(DuetEngine, CommittedStreamDoesNotDependOnSpeculationOrCallTimes) {
  Vocabulary v = notewise_vocabulary(kPiano);
  for (DuetMode start_mode : {DuetMode::answer, DuetMode::accompany}) {
    DuetConfig c = random_config(start_mode, 77);
    std::vector<LiveInput> script;
    // Two phrases with gaps, a mode switch, a tempo change, chords and a pedal.
    std::int64_t t = 100'000'000;
    for (int phrase = 0; phrase < 3; ++phrase) {
      for (int n = 0; n < 6; ++n) {
        const int key = 60 + (n * 5 + phrase) % 14;
        script.push_back({t, LiveInput::human, on(key, 60 + 10 * n)});
        script.push_back({t + 130'000'000, LiveInput::human, off(key)});
        t += 170'000'000 + 7'000'000 * n;
      }
      script.push_back({t, LiveInput::human, pedal(100)});
      script.push_back({t + 50'000'000, LiveInput::human, pedal(0)});
      t += 1'500'000'000;
      if (phrase == 0) script.push_back({t, LiveInput::tempo, {}, DuetMode::answer, 132.5});
      if (phrase == 1)
        script.push_back({t, LiveInput::control_mode, {}, start_mode == DuetMode::answer ? DuetMode::accompany : DuetMode::answer});
    }
    HashModel live_model(v.size(), 9);
    DuetEngine live(live_model, v, kPiano, c);
    live.start(0);
    std::vector<TimedMessage> live_out;
    std::size_t next = 0;
    for (std::int64_t now = 0; now <= t + 500'000'000; now += 1'000'000) {
      while (next < script.size() && script[next].time_ns <= now) {
        const LiveInput& in = script[next++];
        if (in.kind == LiveInput::human) live.human(in.msg);
        if (in.kind == LiveInput::control_mode) live.set_mode(in.mode, live_out);
        if (in.kind == LiveInput::tempo) live.set_tempo(in.bpm);
      }
      live.advance(now, live_out);
    }
    live.stop(live_out);
    EXPECT_GT(live.stats().rollbacks, 0u) << "the live run never threw speculation away";
    EXPECT_GT(live.stats().tokens_generated, live.stats().tokens_committed / 2);
    const std::int64_t end = live.frontier();

    HashModel replay_model(v.size(), 9);
    auto [tokens, out] = replay_steps(replay_model, v, kPiano, c, live.log(), end);
    EXPECT_EQ(tokens, live.committed_tokens()) << to_string(start_mode);
    EXPECT_EQ(out, live_out) << to_string(start_mode);
    EXPECT_FALSE(note_ons(out).empty());
    expect_balanced(out);
  }
}

TEST(DuetEngine, RandomisedLiveSessionsMatchTheirStepReplay) {
  // Irregular advance intervals, every mode, tempo changes, chords, pedal and stray note-offs:
  // whatever the timing, the live committed stream equals the step-driven replay of its log.
  Vocabulary v = notewise_vocabulary(kPiano);
  const DuetMode modes[] = {DuetMode::answer, DuetMode::accompany, DuetMode::solo, DuetMode::listen};
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    std::mt19937_64 rng(seed);
    auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    DuetConfig c = random_config(modes[seed % 4], seed);
    c.commit_steps = static_cast<int>(seed % 3);
    c.lookahead_steps = uniform(0, 40);
    c.answer_silence_beats = 0.25 * uniform(1, 6);
    c.answer_bars = uniform(1, 2);
    c.sampler.policy = seed % 2 ? SamplingPolicy::kSeed : SamplingPolicy::kTopP;
    HashModel live_model(v.size(), seed);
    DuetEngine live(live_model, v, kPiano, c);
    live.start(static_cast<std::int64_t>(seed) * 1'000'000);
    std::vector<TimedMessage> live_out;
    std::int64_t now = static_cast<std::int64_t>(seed) * 1'000'000;
    for (int i = 0; i < 6000; ++i) {
      now += uniform(300'000, 5'000'000);
      const int r = uniform(0, 999);
      // Half the messages carry when they were played (up to 80 ms before they are taken).
      const std::int64_t heard = now - uniform(0, 80'000'000);
      if (r < 25) (r % 2) ? live.human(on(uniform(20, 108), uniform(1, 127)), heard) : live.human(on(uniform(20, 108), uniform(1, 127)));
      else if (r < 50) (r % 2) ? live.human(off(uniform(20, 108)), heard) : live.human(off(uniform(20, 108)));
      else if (r < 55) live.human(pedal(uniform(0, 127)));
      else if (r < 57) live.set_mode(modes[uniform(0, 3)], live_out);
      else if (r < 58) live.set_tempo(uniform(40, 240));
      else if (r < 59) {
        SamplerConfig sc = live.config().sampler;
        sc.temperature = 0.5 + 0.1 * uniform(0, 10);
        sc.seed = static_cast<std::uint64_t>(uniform(0, 1000));
        live.set_sampler(sc);
      } else if (r < 60) live.set_velocity(uniform(0, 127));
      else if (r < 61 && i % 3 == 0) live.reset_context(live_out);
      else if (r < 62) live.set_phrasing({uniform(1, 3), 0.25 * uniform(1, 8), uniform(2, 6)});
      live.advance(now, live_out);
    }
    live.stop(live_out);
    HashModel replay_model(v.size(), seed);
    auto [tokens, out] = replay_steps(replay_model, v, kPiano, c, live.log(), live.frontier(),
                                     static_cast<std::int64_t>(seed) * 1'000'000);
    ASSERT_EQ(tokens, live.committed_tokens()) << "seed " << seed;
    ASSERT_EQ(out, live_out) << "seed " << seed;
    expect_balanced(out);
  }
}

// A fader (or a flood of datagrams) sends many changes a grid step: the log keeps the last of
// each kind at each frontier, the replay of that log still gives the live tokens, and an entry a
// writer already has (sealed) is never replaced.
TEST(DuetEngine, SettingsAtOneFrontierKeepOneLogEntryAndReplayTheSame) {
  Vocabulary v = notewise_vocabulary(kPiano);
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    std::mt19937_64 rng(seed);
    auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    DuetConfig c = random_config(DuetMode::accompany, seed);
    HashModel live_model(v.size(), seed);
    DuetEngine live(live_model, v, kPiano, c);
    live.start(0);
    std::vector<TimedMessage> out;
    std::int64_t now = 0;
    std::size_t settings = 0;
    for (int i = 0; i < 400; ++i) {
      now += uniform(1'000'000, 20'000'000);
      for (int k = uniform(0, 6); k > 0; --k, ++settings) {
        switch (uniform(0, 3)) {
          case 3: live.set_phrasing({uniform(1, 3), 0.25 * uniform(1, 8), uniform(2, 6)}); break;
          case 0: {
            SamplerConfig sc = live.config().sampler;
            sc.temperature = 0.5 + 0.1 * uniform(0, 10);
            live.set_sampler(sc);
            break;
          }
          case 1: live.set_tempo(uniform(60, 200)); break;
          default: live.set_velocity(uniform(0, 127)); break;
        }
      }
      if (i % 7 == 0) live.human(on(uniform(40, 80), 90));
      live.advance(now, out);
    }
    live.stop(out);
    const auto& log = live.log();
    for (std::size_t i = 1; i < log.size(); ++i)
      ASSERT_FALSE(log[i].kind == log[i - 1].kind && log[i].step == log[i - 1].step &&
                   log[i].kind != DuetInput::Kind::human)
          << "two entries of one setting at step " << log[i].step;
    EXPECT_LT(log.size(), settings) << "nothing was coalesced";
    HashModel replay_model(v.size(), seed);
    auto [tokens, replay_out] = replay_steps(replay_model, v, kPiano, c, log, live.frontier(), 0);
    ASSERT_EQ(tokens, live.committed_tokens()) << "seed " << seed;
    ASSERT_EQ(replay_out, out) << "seed " << seed;
  }
  // Sealed: the second change at the same frontier is a new entry.
  HashModel model(v.size(), 9);
  DuetEngine e(model, v, kPiano, random_config(DuetMode::accompany, 9));
  e.start(0);
  e.set_velocity(40);
  e.set_velocity(50);
  ASSERT_EQ(e.log().size(), 1u);
  EXPECT_EQ(e.log()[0].velocity, 50);
  e.seal_log(1);
  e.set_velocity(60);
  ASSERT_EQ(e.log().size(), 2u);
  EXPECT_EQ(e.log()[0].velocity, 50) << "a sealed entry was replaced";
  EXPECT_EQ(e.log()[1].velocity, 60);
}

TEST(DuetEngine, HumanInsideASampledWaitCutsIt) {
  Vocabulary v = notewise_vocabulary(kPiano);
  const int max_wait = kPiano.max_wait();
  const std::string longest = "wait" + std::to_string(max_wait);
  auto run = [&](bool live) {
    ConstModel model(preferring(v, {longest.c_str()}));
    DuetConfig c = argmax_config(DuetMode::accompany);
    c.max_late_steps = 0;  // the clock jumps on purpose
    DuetEngine e(model, v, kPiano, c);
    e.start(0);
    std::vector<TimedMessage> out;
    if (live) {
      e.advance(e.time_of_step(30) - 1'000'000, out);
      EXPECT_EQ(e.frontier(), 30 + 1);
    } else {
      e.commit_until(31, out);
    }
    e.human(on(60));
    e.commit_until(40, out);
    EXPECT_TRUE(out.empty());
    return std::make_pair(e.committed_tokens(), e.stats().rollbacks);
  };
  const auto [tokens, rollbacks] = run(false);
  // Clara's wait25 from step 25 is cut at 31: wait6, then the human's onset at 31.
  ASSERT_GE(tokens.size(), 4u);
  EXPECT_EQ(tokens[1], v.id(longest));
  EXPECT_EQ(tokens[2], v.id("wait" + std::to_string(31 - max_wait)));
  EXPECT_EQ(tokens[3], v.id("p" + std::to_string(60 - kPiano.range.lowest)));
  EXPECT_EQ(rollbacks, 0u);
  const auto [live_tokens, live_rollbacks] = run(true);
  EXPECT_EQ(live_tokens, tokens);
  EXPECT_EQ(live_rollbacks, 1u);
}

TEST(DuetEngine, NoAdmissibleTokenBecomesAWaitPerStep) {
  Vocabulary v = notewise_vocabulary(kPiano);
  ConstModel model(std::vector<float>(v.size(), std::numeric_limits<float>::quiet_NaN()));
  DuetEngine e(model, v, kPiano, random_config(DuetMode::accompany));
  e.start(0);
  std::vector<TimedMessage> out;
  EXPECT_NO_THROW(e.advance(e.time_of_step(40), out));
  EXPECT_TRUE(out.empty());
  const auto& tokens = e.committed_tokens();
  ASSERT_EQ(tokens.size(), static_cast<std::size_t>(e.frontier()) + 1);
  for (std::size_t i = 1; i < tokens.size(); ++i) EXPECT_EQ(tokens[i], v.id("wait1"));
}

TEST(DuetEngine, VelocityFollowsTheHuman) {
  Vocabulary v = notewise_vocabulary(kPiano);
  ConstModel model = holding_model(v);
  DuetEngine e(model, v, kPiano, argmax_config(DuetMode::answer));
  e.start(0);
  std::vector<TimedMessage> out;
  for (int i = 0; i < 8; ++i) {
    e.human(on(60 + i, 127));
    e.commit_until(i + 1, out);
    e.human(off(60 + i));
  }
  e.commit_until(40, out);
  ASSERT_FALSE(note_ons(out).empty());
  // EMA from 80 towards 127 over 8 notes: 127 - 47 * 0.7^8.
  EXPECT_EQ(note_ons(out)[0].msg.data2, std::lround(127 - 47 * std::pow(0.7, 8)));
  e.stop(out);
  expect_balanced(out);
}


TEST(DuetEngine, SamplerSettingsChangeWhatClaraPlaysFromTheFrontierAndBadOnesChangeNothing) {
  Vocabulary v = notewise_vocabulary(kPiano);
  auto run = [&](double temperature_after) {
    HashModel model(v.size(), 3);
    DuetEngine e(model, v, kPiano, random_config(DuetMode::accompany, 11));
    e.start(0);
    std::vector<TimedMessage> out;
    e.commit_until(40, out);
    SamplerConfig sc = e.config().sampler;
    sc.temperature = temperature_after;
    e.set_sampler(sc);
    e.commit_until(200, out);
    return std::make_pair(e.committed_tokens(), e.log());
  };
  const auto [same, same_log] = run(1.0);
  const auto [hotter, hot_log] = run(3.0);
  ASSERT_EQ(hot_log.size(), 1u);
  EXPECT_EQ(hot_log[0].kind, DuetInput::Kind::sampler);
  EXPECT_EQ(hot_log[0].step, 40);
  EXPECT_NE(same, hotter) << "a hotter sampler from step 40 on changed nothing";

  HashModel model(v.size(), 3);
  DuetEngine e(model, v, kPiano, random_config(DuetMode::accompany, 11));
  e.start(0);
  SamplerConfig bad = e.config().sampler;
  bad.temperature = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(e.set_sampler(bad), std::invalid_argument);
  bad = e.config().sampler;
  bad.top_p = 1.5;
  EXPECT_THROW(e.set_sampler(bad), std::invalid_argument);
  EXPECT_THROW(e.set_velocity(128), std::invalid_argument);
  EXPECT_THROW(e.set_velocity(-1), std::invalid_argument);
  EXPECT_EQ(e.config().sampler.temperature, 1.0);
  EXPECT_TRUE(e.log().empty()) << "a refused setting reached the log";
}

TEST(DuetEngine, FixedVelocityAppliesToClarasNextNotes) {
  Vocabulary v = notewise_vocabulary(kPiano);
  HashModel model(v.size(), 4);
  DuetEngine e(model, v, kPiano, random_config(DuetMode::accompany, 2));
  e.start(0);
  std::vector<TimedMessage> out;
  e.set_velocity(33);
  e.commit_until(400, out);
  const auto ons = note_ons(out);
  ASSERT_FALSE(ons.empty());
  for (const auto& m : ons) EXPECT_EQ(m.msg.data2, 33);
}

TEST(DuetEngine, ResetContextEndsClarasNotesAndStartsANewPieceInTheStream) {
  Vocabulary v = notewise_vocabulary(kPiano);
  HashModel model(v.size(), 5);
  DuetEngine e(model, v, kPiano, random_config(DuetMode::accompany, 8));
  e.start(0);
  std::vector<TimedMessage> out;
  e.commit_until(100, out);
  e.reset_context(out);
  const std::size_t at = e.committed_tokens().size();
  e.commit_until(300, out);
  e.stop(out);
  expect_balanced(out);
  const auto& tokens = e.committed_tokens();
  ASSERT_GT(tokens.size(), at);
  EXPECT_EQ(std::count(tokens.begin(), tokens.end(), Vocabulary::kEos), 2) << "one <eos> at start, one at the reset";
  // After the reset nothing ends a note begun before it.
  const auto eos_at = std::find(tokens.begin() + 1, tokens.end(), Vocabulary::kEos);
  TokenTable table(v);
  std::set<int> sounding;
  for (auto it = eos_at + 1; it != tokens.end(); ++it) {
    const TokenInfo& t = table.info(*it);
    if (t.kind == TokenKind::kOnset) sounding.insert(t.pitch);
    if (t.kind == TokenKind::kEnd) {
      EXPECT_TRUE(sounding.count(t.pitch)) << "end of a note from before the reset";
      sounding.erase(t.pitch);
    }
  }
  EXPECT_FALSE(note_ons(out).empty());
}

TEST(DuetEngine, InstrumentsSwitchMovesClaraToTheNewPartAndRefusesUnknownParts) {
  Vocabulary v = notewise_vocabulary(kChamber);
  const auto& parts = kChamber.parts.entries;
  ASSERT_GE(parts.size(), 2u);
  const std::string first = parts[0].prefix, second = parts[1].prefix;
  HashModel model(v.size(), 6);
  DuetConfig c = random_config(DuetMode::accompany, 3);
  c.human_prefix = first;
  c.clara_prefix = first;
  DuetEngine e(model, v, kChamber, c);
  e.start(0);
  std::vector<TimedMessage> out;
  e.commit_until(100, out);
  EXPECT_THROW(e.set_instruments(first, "no-such-part", out), std::invalid_argument);
  EXPECT_EQ(e.config().clara_prefix, first);
  const std::size_t before = e.committed_tokens().size();
  e.set_instruments(first, second, out);
  EXPECT_EQ(e.config().clara_prefix, second);
  e.commit_until(400, out);
  e.stop(out);
  expect_balanced(out);
  TokenTable table(v);
  int onsets_after = 0;
  for (std::size_t i = before; i < e.committed_tokens().size(); ++i) {
    const TokenInfo& t = table.info(e.committed_tokens()[i]);
    if (t.kind != TokenKind::kOnset) continue;
    ++onsets_after;
    EXPECT_EQ(table.prefixes()[static_cast<std::size_t>(t.prefix)], second) << "Clara still plays the old part";
  }
  EXPECT_GT(onsets_after, 0);
}


TEST(DuetEngine, AStallReanchorsTheGridInsteadOfABurstOfLateNotes) {
  Vocabulary v = notewise_vocabulary(kPiano);
  auto run = [&](int max_late) {
    HashModel model(v.size(), 21);
    DuetConfig c = random_config(DuetMode::accompany, 4);
    c.max_late_steps = max_late;
    DuetEngine e(model, v, kPiano, c);
    e.start(0);
    std::vector<TimedMessage> out;
    std::int64_t now = 0;
    for (; now < 1'000'000'000; now += 1'000'000) e.advance(now, out);
    const std::size_t before = out.size();
    now += 2'000'000'000;  // the machine stalls for two seconds
    e.advance(now, out);
    std::vector<TimedMessage> burst(out.begin() + static_cast<std::ptrdiff_t>(before), out.end());
    const std::int64_t frontier_at_stall = e.frontier();
    for (int i = 0; i < 1000; ++i) e.advance(now += 1'000'000, out);
    const std::int64_t steps_after = e.frontier() - frontier_at_stall;
    e.stop(out);
    expect_balanced(out);
    return std::make_tuple(burst, e.stats(), steps_after, now);
  };
  const auto [late_burst, late_stats, late_steps_after, t0] = run(0);
  std::size_t late_count = 0;
  for (const auto& m : late_burst) late_count += m.time_ns < t0 - 1'000'000'000;  // due before the stall ended
  ASSERT_GT(late_count, 3u) << "without the bound the missed steps go out at once, late";
  EXPECT_EQ(late_stats.stalls, 0u);

  const auto [burst, stats, steps_after, t1] = run(2);
  EXPECT_EQ(stats.stalls, 1u);
  EXPECT_GE(stats.stalled_ns, 1'900'000'000);
  const std::int64_t stall_end = t1 - 1'000'000'000;  // when advance() saw the stall
  const std::int64_t step_ns = std::llround(60e9 / (120.0 * kPiano.sample_freq));
  for (const auto& m : burst) {
    EXPECT_GE(m.time_ns, stall_end) << "a missed step went out late";
    EXPECT_LE(m.time_ns, stall_end + 3 * step_ns) << "more than the commit horizon went out at once";
  }
  EXPECT_LT(burst.size(), late_burst.size());
  // One second at 120 bpm is 24 steps: the grid runs on at its tempo after the stall.
  EXPECT_NEAR(static_cast<double>(steps_after), 24.0, 1.0);
  EXPECT_NEAR(static_cast<double>(late_steps_after), 24.0, 1.0);
}

TEST(DuetEngine, MessagesThatChangeNothingThrowNoSpeculationAway) {
  Vocabulary v = notewise_vocabulary(kPiano);
  HashModel model(v.size(), 22);
  DuetEngine e(model, v, kPiano, random_config(DuetMode::accompany, 5));
  e.start(0);
  std::vector<TimedMessage> out;
  e.advance(100'000'000, out);
  const auto rollbacks = e.stats().rollbacks;
  for (int value = 0; value < 64; value += 3) e.human(pedal(value));  // pedal stays up
  e.human(off(61));                                                  // a key not down
  EXPECT_EQ(e.stats().rollbacks, rollbacks);
  EXPECT_EQ(e.stats().ignored_messages, 23u);
  EXPECT_TRUE(e.log().empty()) << "a message that changed nothing reached the log";
  e.human(pedal(100));  // down: a change
  EXPECT_EQ(e.stats().rollbacks, rollbacks + 1);
  for (int value = 127; value >= 64; value -= 7) e.human(pedal(value));  // stays down
  EXPECT_EQ(e.stats().rollbacks, rollbacks + 1);
  EXPECT_EQ(e.log().size(), 1u);
}

TEST(DuetEngine, SpeculationStopsAtTheNextCommitDeadlineAndGoesOnLater) {
  Vocabulary v = notewise_vocabulary(kPiano);
  HashModel model(v.size(), 23);
  DuetConfig c = random_config(DuetMode::accompany, 6);
  c.lookahead_steps = 48;
  DuetEngine e(model, v, kPiano, c);
  e.start(0);
  std::vector<TimedMessage> out;
  // A clock that moves one millisecond per call, as a slow model would make it.
  std::int64_t fake_now = 0;
  std::function<std::int64_t()> clock = [&] { return fake_now += 5'000'000; };
  e.advance(0, out, clock);
  const std::uint64_t first = e.stats().tokens_generated;
  const std::int64_t step_ns = e.time_of_step(1) - e.time_of_step(0);
  // The deadline is the start of step frontier - commit_steps: a few steps of 5 ms calls.
  EXPECT_LT(first, 48u) << "speculation ran past the commit deadline";
  EXPECT_GT(step_ns, 0);
  std::function<std::int64_t()> idle = [] { return std::int64_t{0}; };
  e.advance(0, out, idle);
  EXPECT_GT(e.stats().tokens_generated, first) << "speculation did not continue at the next call";
}


// Plays `piece` into a listening engine step by step (each message taken at the step it
// falls in, as a live player whose notes reach the frontier in time), and returns the
// committed tokens after the leading <eos>, trailing waits dropped.
std::vector<std::string> live_tokens_of(const GridPiece& piece, const Vocabulary& v) {
  struct Event { std::int64_t step; int order; ShortMessage msg; };
  std::vector<Event> events;
  for (const GridNote& n : piece.notes) {
    const int key = kPiano.range.pitch_of(n.index);
    events.push_back({n.start, 1, on(key)});
    events.push_back({n.end(), 0, off(key)});
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return std::tie(a.step, a.order, a.msg.data1) < std::tie(b.step, b.order, b.msg.data1);
  });
  HashModel model(v.size(), 1);
  DuetEngine e(model, v, kPiano, argmax_config(DuetMode::listen));
  e.start(0);
  std::vector<TimedMessage> out;
  for (const Event& ev : events) {
    e.commit_until(ev.step, out);
    e.human_at_step(ev.msg, ev.step);
  }
  e.commit_until(piece.steps + 2 * kPiano.max_wait(), out);
  e.stop(out);
  EXPECT_TRUE(out.empty()) << "listen mode played";
  std::vector<std::string> tokens;
  for (std::size_t i = 1; i < e.committed_tokens().size(); ++i) tokens.push_back(v.token(e.committed_tokens()[i]));
  while (!tokens.empty() && tokens.back().starts_with("wait")) tokens.pop_back();
  return tokens;
}

TEST(DuetEngine, NotesPlayedLiveEnterTheContextAsTheEncoderWritesThemFromAFile) {
  Vocabulary v = notewise_vocabulary(kPiano);
  // A melody with rests, a one-step note, long notes beyond the longest wait, and a chord.
  GridPiece piece;
  piece.notes = {{0, 30, 0, 3}, {0, 32, 5, 1}, {0, 34, 8, 40}, {0, 20, 60, 6}, {0, 24, 60, 6}, {0, 27, 60, 4},
                 {0, 31, 70, 2}};
  piece.steps = 72;
  std::vector<std::string> encoded = encode_notewise(piece, kPiano);
  while (!encoded.empty() && encoded.back().starts_with("wait")) encoded.pop_back();
  EXPECT_EQ(live_tokens_of(piece, v), encoded);
}

TEST(DuetEngine, ClarasForcedEndsAndHerNoteOffsAgreeWithTheEncoder) {
  // Whatever ends Clara's notes (her own end tokens, a mode change, a stop), decoding her
  // committed tokens gives the notes her messages played, step for step.
  Vocabulary v = notewise_vocabulary(kPiano);
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    HashModel model(v.size(), seed);
    DuetEngine e(model, v, kPiano, random_config(DuetMode::solo, seed));
    e.start(0);
    std::vector<TimedMessage> out;
    e.commit_until(40 + static_cast<std::int64_t>(seed) * 7, out);
    e.set_mode(DuetMode::listen, out);
    e.commit_until(80, out);
    e.set_mode(DuetMode::solo, out);
    e.commit_until(130 + static_cast<std::int64_t>(seed) * 3, out);
    e.stop(out);
    expect_balanced(out);
    std::map<int, std::int64_t> started;
    std::vector<GridNote> played;
    const double step_ns = 60e9 / (120.0 * kPiano.sample_freq);
    for (const auto& m : out) {
      const auto step = static_cast<std::int64_t>(std::llround(static_cast<double>(m.time_ns) / step_ns));
      const int index = m.msg.data1 - kPiano.range.lowest;
      if (m.msg.is_note_on()) started[index] = step;
      if (m.msg.is_note_off()) played.push_back({0, index, started[index], step - started[index]});
    }
    std::vector<std::string> tokens;
    for (std::size_t i = 1; i < e.committed_tokens().size(); ++i) tokens.push_back(v.token(e.committed_tokens()[i]));
    DecodeCounts counts;
    GridPiece decoded = decode_notewise(tokens, kPiano, counts);
    auto key = [](const GridNote& n) { return std::tie(n.start, n.index, n.length); };
    std::sort(played.begin(), played.end(), [&](const GridNote& a, const GridNote& b) { return key(a) < key(b); });
    std::sort(decoded.notes.begin(), decoded.notes.end(),
              [&](const GridNote& a, const GridNote& b) { return key(a) < key(b); });
    ASSERT_FALSE(played.empty());
    EXPECT_EQ(decoded.notes, played) << "seed " << seed;
    EXPECT_EQ(counts.unclosed, 0u) << "seed " << seed;
  }
}


// A hot model swap at the frontier: what was committed stays, the new model writes what
// follows (another part than the old model would have played), and every note Clara starts
// still ends (no doubled or hanging notes).
TEST(DuetEngine, ModelSwapAtTheFrontierKeepsTheCommittedTokensAndEveryNoteEnds) {
  const Vocabulary v = notewise_vocabulary(kPiano);
  DuetConfig c;
  c.mode = DuetMode::accompany;
  c.sampler.policy = SamplingPolicy::kTopK;
  c.sampler.top_k = 6;
  c.sampler.seed = 99;
  auto run = [&](bool swap, bool prewarm, std::vector<int>* before_swap) {
    HashModel first(v.size(), 3), second(v.size(), 4);
    DuetEngine e(first, v, kPiano, c);
    e.start(0);
    std::vector<TimedMessage> out;
    std::int64_t now = 0;
    auto run_for = [&](std::int64_t ns) {
      for (const std::int64_t until = now + ns; now < until; now += 2'000'000) e.advance(now, out);
    };
    e.human(on(60));
    run_for(300'000'000);
    e.human(off(60));
    run_for(700'000'000);
    if (swap) {
      if (before_swap) *before_swap = e.committed_tokens();
      std::size_t begin = 0, until = 0;
      if (prewarm) {  // as the daemon's worker does: all but the last committed token
        const auto& t = e.committed_tokens();
        begin = e.context_begin();
        until = t.size() - 1;
        second.reset();
        for (std::size_t i = begin; i < until; ++i) second.feed(t[i]);
      }
      e.swap_model(second, begin, until, "second", std::string(64, 'a'));
      EXPECT_EQ(e.log().back().kind, DuetInput::Kind::model);
      EXPECT_EQ(e.log().back().model_name, "second");
    }
    run_for(1'500'000'000);
    e.stop(out);
    std::map<int, int> sounding;
    for (const auto& m : out) {
      if (m.msg.is_note_on()) {
        EXPECT_EQ(++sounding[m.msg.data1], 1) << "doubled note " << int(m.msg.data1);
      }
      if (m.msg.is_note_off()) --sounding[m.msg.data1];
    }
    for (const auto& [key, n] : sounding) EXPECT_EQ(n, 0) << "key " << key << " left sounding";
    return e.committed_tokens();
  };
  std::vector<int> before;
  const auto swapped = run(true, false, &before);
  const auto prewarmed = run(true, true, nullptr);
  const auto unswapped = run(false, false, nullptr);
  ASSERT_GT(before.size(), 10u);
  ASSERT_GT(swapped.size(), before.size());
  EXPECT_TRUE(std::equal(before.begin(), before.end(), swapped.begin()));  // the committed prefix stays
  EXPECT_EQ(prewarmed, swapped);  // a worker's warm-up is the same as feeding it all at the bar line
  EXPECT_NE(unswapped, swapped);  // the new model plays from the frontier
}

TEST(DuetEngine, ModelSwapRefusesAnotherVocabularySize) {
  const Vocabulary v = notewise_vocabulary(kPiano);
  HashModel first(v.size()), wrong(v.size() + 1);
  DuetEngine e(first, v, kPiano, argmax_config(DuetMode::accompany));
  e.start(0);
  std::vector<TimedMessage> out;
  e.commit_until(30, out);
  const auto tokens = e.committed_tokens();
  const auto inputs = e.log().size();
  EXPECT_THROW(e.swap_model(wrong, 0, 0, "wrong", std::string(64, 'b')), std::invalid_argument);
  EXPECT_EQ(e.log().size(), inputs);
  e.commit_until(60, out);
  EXPECT_TRUE(std::equal(tokens.begin(), tokens.end(), e.committed_tokens().begin()));
}

// Plays `keys` as a melody from the frontier, `steps` each (note-off at the next note's step).
void play_melody(DuetEngine& e, std::initializer_list<int> keys, int steps, std::vector<TimedMessage>& out) {
  for (int k : keys) {
    e.human(on(k));
    e.commit_until(e.frontier() + steps, out);
    e.human(off(k));
  }
}

bool in_f_sharp_major(int key) {
  const int pc = ((key - 6) % 12 + 12) % 12;
  return pc == 0 || pc == 2 || pc == 4 || pc == 5 || pc == 7 || pc == 9 || pc == 11;
}

TEST(DuetEngine, HumanKeyIsTheKeyOfTheHumansNotesAndAResetForgetsIt) {
  Vocabulary v = notewise_vocabulary(kPiano);
  HashModel model(v.size());
  DuetEngine e(model, v, kPiano, random_config(DuetMode::listen));
  e.start(0);
  std::vector<TimedMessage> out;
  EXPECT_FALSE(e.human_key().key());
  // E flat major: scale, then tonic and dominant held.
  play_melody(e, {63, 65, 67, 68, 70, 72, 74, 75}, 6, out);
  play_melody(e, {63, 70, 67, 63}, 12, out);
  ASSERT_TRUE(e.human_key().key());
  EXPECT_EQ(*e.human_key().key(), (Key{3, KeyMode::major}));
  // Duration-weighted: the tonic, held longest, outweighs the rest.
  const auto& profile = e.human_key().profile();
  EXPECT_EQ(std::max_element(profile.begin(), profile.end()) - profile.begin(), 3);
  e.reset_context(out);
  EXPECT_FALSE(e.human_key().key());
}

TEST(DuetEngine, SoloKeepsNoHumanKey) {
  Vocabulary v = notewise_vocabulary(kPiano);
  HashModel model(v.size());
  DuetEngine e(model, v, kPiano, random_config(DuetMode::solo));
  e.start(0);
  std::vector<TimedMessage> out;
  play_melody(e, {60, 64, 67, 72}, 6, out);
  EXPECT_FALSE(e.human_key().key()) << "solo ignores the human, his key too";
}

// Uniform logits: without the bias Clara's onsets land on 7 of 12 pitch classes in the
// human's key about 7/12 of the time; the bias raises that share with its strength, and the
// session replays to the same tokens from its log.
TEST(DuetEngine, KeyKeepingPullsClarasNotesIntoTheHumansKey) {
  Vocabulary v = notewise_vocabulary(kPiano);
  double last = 0;
  for (double strength : {0.0, 1.0, 3.0}) {
    SCOPED_TRACE(strength);
    ConstModel model(std::vector<float>(v.size(), 0.0f));
    DuetConfig c = random_config(DuetMode::accompany, 9);
    c.sampler.key_keeping = strength;
    DuetEngine e(model, v, kPiano, c);
    e.start(0);
    std::vector<TimedMessage> out;
    play_melody(e, {66, 68, 70, 71, 73, 75, 77, 78, 66, 73, 70, 66}, 12, out);  // F# major
    ASSERT_EQ(*e.human_key().key(), (Key{6, KeyMode::major}));
    out.clear();  // Clara's notes from here on, the human silent
    e.commit_until(e.frontier() + 4000, out);
    int in = 0, all = 0;
    for (const auto& m : note_ons(out)) {
      ++all;
      in += in_f_sharp_major(m.msg.data1);
    }
    ASSERT_GT(all, 300);
    const double share = static_cast<double>(in) / all;
    if (strength == 0) {
      EXPECT_NEAR(share, 7.0 / 12, 0.06);
    } else {
      EXPECT_GT(share, last + 0.08);
    }
    last = share;
  }
  EXPECT_GT(last, 0.8);
}

TEST(DuetEngine, KeyKeepingIsValidatedAndLoggedWithTheSampler) {
  Vocabulary v = notewise_vocabulary(kPiano);
  HashModel model(v.size());
  DuetConfig c = random_config(DuetMode::answer);
  c.sampler.key_keeping = 17;
  EXPECT_THROW(DuetEngine(model, v, kPiano, c), std::invalid_argument);
  c.sampler.key_keeping = 1.5;
  DuetEngine e(model, v, kPiano, c);
  e.start(0);
  SamplerConfig s = c.sampler;
  s.key_keeping = -1;
  EXPECT_THROW(e.set_sampler(s), std::invalid_argument);
  EXPECT_TRUE(e.log().empty()) << "a refused sampler is not logged";
  s.key_keeping = 4;
  e.set_sampler(s);
  ASSERT_EQ(e.log().size(), 1u);
  EXPECT_EQ(e.log().back().sampler.key_keeping, 4.0);
}

}  // namespace
}  // namespace clara
