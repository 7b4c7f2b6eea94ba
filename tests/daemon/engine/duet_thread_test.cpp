#include "daemon/engine/duet_thread.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <filesystem>
#include <unistd.h>

#include "core/encoding/notewise_codec.hpp"
#include "core/midi/midi_file.hpp"

namespace clara::daemon {
namespace {

using namespace std::chrono_literals;

// A backend with no ports: a steady clock, an input list the test fills, and the output kept.
class FakeBackend : public MidiBackend {
 public:
  std::string_view kind() const override { return "fake"; }
  void start() override {}
  void stop() override {}
  std::int64_t now_ns() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }
  std::int64_t period_ns() const override { return 1'000'000; }
  bool pop_input(TimedMessage& m) override {
    std::lock_guard l(mu);
    if (input.empty()) return false;
    m = input.front();
    input.erase(input.begin());
    ++popped;
    return true;
  }
  bool push_output(const TimedMessage& m) override {
    std::lock_guard l(mu);
    output.push_back(m);
    return true;
  }
  void request_panic() override { ++panics; }
  bool panic_done() const override { return true; }
  OutputStats stats() const override { return {}; }
  bool connected() const override { return true; }

  void play(ShortMessage m) {
    std::lock_guard l(mu);
    input.push_back(TimedMessage{now_ns(), m, 0});
  }
  std::mutex mu;
  std::vector<TimedMessage> input, output;
  std::atomic<int> panics{0};
  std::atomic<int> popped{0};
};

// Prefers onsets, so Clara plays in solo mode; throws once `fail_after` tokens were fed.
class FragileModel : public TokenModel {
 public:
  FragileModel(std::size_t v, int fail_after) : logits_(v, 0.0f), fail_after_(fail_after) {
    logits_[3] = 5.0f;  // p0: an onset
  }
  std::size_t vocab_size() const override { return logits_.size(); }
  void reset() override {}
  std::span<const float> feed(int) override {
    if (fail_after_ >= 0 && fed_++ >= fail_after_) throw std::runtime_error("model exploded");
    return logits_;
  }
  struct S : State {};
  std::unique_ptr<State> save() const override { return std::make_unique<S>(); }
  void restore(const State&) override {}

 private:
  std::vector<float> logits_;
  int fail_after_;
  int fed_ = 0;
};

TEST(DuetThread, PlaysThenEndsEveryNoteOnStop) {
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  const Vocabulary vocab = notewise_vocabulary(spec);
  FakeBackend backend;
  FragileModel model(vocab.size(), -1);
  DuetConfig c;
  c.mode = DuetMode::solo;
  c.bpm = 400;  // 12.5 ms steps: a quick test
  DuetEngine engine(model, vocab, spec, c);
  engine.start(backend.now_ns());
  InstrumentRoute route;
  route.channel = 3;
  DuetThread t(backend, engine, nullptr, route);
  t.start();
  std::this_thread::sleep_for(300ms);
  t.stop();
  EXPECT_FALSE(t.failure());
  int depth = 0, ons = 0;
  for (const auto& m : backend.output) {
    EXPECT_EQ(m.msg.channel(), 3) << "the route's channel";
    if (m.msg.is_note_on()) ++depth, ++ons;
    if (m.msg.is_note_off()) --depth;
  }
  EXPECT_GT(ons, 0);
  EXPECT_EQ(depth, 0) << "a note left hanging after stop()";
}

TEST(DuetThread, ARefusedCommandNeverReachesTheEngineAndClaraPlaysOn) {
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  const Vocabulary vocab = notewise_vocabulary(spec);
  FakeBackend backend;
  FragileModel model(vocab.size(), -1);
  DuetConfig c;
  c.mode = DuetMode::solo;
  c.bpm = 300;
  DuetEngine engine(model, vocab, spec, c);
  engine.start(backend.now_ns());
  DuetThread t(backend, engine, nullptr, InstrumentRoute{});
  t.start();
  std::this_thread::sleep_for(100ms);
  // Before typed commands, this tempo reached the engine, threw, and silenced Clara for good.
  const auto why = t.submit(SetTempo{1000});
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("1000"), std::string::npos) << *why;
  EXPECT_TRUE(t.submit(SetTempo{std::nan("")}));
  EXPECT_FALSE(t.submit(SetTempo{200}));  // a good one is taken
  std::size_t ons_before = 0, ons_after = 0;
  {
    std::lock_guard l(backend.mu);
    for (const auto& m : backend.output) ons_before += m.msg.is_note_on();
  }
  std::this_thread::sleep_for(300ms);
  {
    std::lock_guard l(backend.mu);
    for (const auto& m : backend.output) ons_after += m.msg.is_note_on();
  }
  EXPECT_FALSE(t.failure()) << *t.failure();
  EXPECT_GT(ons_after, ons_before) << "Clara must play on after a refused command";
  EXPECT_DOUBLE_EQ(engine.config().bpm, 300);  // the config is the start-up one; the grid moved
  t.stop();
}

TEST(DuetThread, PanicAndStopCommandsEndClarasNotes) {
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  const Vocabulary vocab = notewise_vocabulary(spec);
  FakeBackend backend;
  FragileModel model(vocab.size(), -1);
  DuetConfig c;
  c.mode = DuetMode::solo;
  c.bpm = 400;
  DuetEngine engine(model, vocab, spec, c);
  engine.start(backend.now_ns());
  DuetThread t(backend, engine, nullptr, InstrumentRoute{});
  t.start();
  std::this_thread::sleep_for(150ms);
  EXPECT_FALSE(t.submit(Panic{}));
  for (int i = 0; i < 100 && backend.panics.load() == 0; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(backend.panics.load(), 1);
  EXPECT_FALSE(t.submit(StopPlaying{}));
  std::this_thread::sleep_for(100ms);
  std::size_t size_after_stop;
  {
    std::lock_guard l(backend.mu);
    size_after_stop = backend.output.size();
  }
  std::this_thread::sleep_for(150ms);
  {
    std::lock_guard l(backend.mu);
    EXPECT_EQ(backend.output.size(), size_after_stop) << "stopped: nothing more is played";
    int depth = 0;
    for (const auto& m : backend.output) depth += m.msg.is_note_on() - m.msg.is_note_off();
    EXPECT_EQ(depth, 0) << "a note left hanging after the stop command";
  }
  EXPECT_EQ(engine.mode(), DuetMode::listen);
  t.stop();
}

TEST(DuetThread, EveryTypedCommandIsValidatedOnEntryWithAReason) {
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  const Vocabulary vocab = notewise_vocabulary(spec);
  FakeBackend backend;
  FragileModel model(vocab.size(), -1);
  DuetConfig c;
  c.mode = DuetMode::solo;
  c.bpm = 400;
  DuetEngine engine(model, vocab, spec, c);
  engine.start(backend.now_ns());
  DuetThread t(backend, engine, nullptr, InstrumentRoute{});
  SamplerConfig hot = c.sampler;
  hot.temperature = std::nan("");
  auto why = t.submit(SetSampler{hot});
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("temperature"), std::string::npos) << *why;
  hot = c.sampler;
  hot.top_k = 0;
  ASSERT_TRUE(why = t.submit(SetSampler{hot}));
  EXPECT_NE(why->find("top_k"), std::string::npos) << *why;
  ASSERT_TRUE(why = t.submit(SetVelocity{128}));
  EXPECT_NE(why->find("128"), std::string::npos) << *why;
  ASSERT_TRUE(why = t.submit(SetInstruments{"p", "vn"}));
  EXPECT_NE(why->find("'vn'"), std::string::npos) << *why;
  EXPECT_FALSE(t.submit(SetInstruments{"p", "p"}));
  EXPECT_FALSE(t.submit(ResetContext{}));
  EXPECT_FALSE(t.submit(StartPlaying{}));
}

TEST(DuetThread, VelocityStopStartAndResetApplyWhilePlaying) {
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  const Vocabulary vocab = notewise_vocabulary(spec);
  FakeBackend backend;
  FragileModel model(vocab.size(), -1);
  DuetConfig c;
  c.mode = DuetMode::solo;
  c.bpm = 400;
  DuetEngine engine(model, vocab, spec, c);
  engine.start(backend.now_ns());
  DuetThread t(backend, engine, nullptr, InstrumentRoute{});
  t.start();
  EXPECT_FALSE(t.submit(SetVelocity{37}));
  std::this_thread::sleep_for(150ms);
  auto snapshot = [&] {
    std::lock_guard l(backend.mu);
    return backend.output;
  };
  auto ons = [](const std::vector<TimedMessage>& out) {
    std::size_t n = 0;
    for (const auto& m : out) n += m.msg.is_note_on();
    return n;
  };
  const auto first = snapshot();
  ASSERT_GT(ons(first), 0u);
  for (const auto& m : first) {
    if (m.msg.is_note_on()) {
      EXPECT_EQ(m.msg.data2, 37) << "the fixed velocity";
    }
  }
  EXPECT_FALSE(t.submit(StopPlaying{}));
  std::this_thread::sleep_for(100ms);
  const std::size_t stopped = ons(snapshot());
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(ons(snapshot()), stopped) << "stopped, yet Clara played";
  EXPECT_EQ(engine.mode(), DuetMode::listen);
  EXPECT_FALSE(t.submit(StartPlaying{}));
  EXPECT_FALSE(t.submit(ResetContext{}));
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(engine.mode(), DuetMode::solo) << "start resumes the mode stop left";
  EXPECT_GT(ons(snapshot()), stopped) << "started again, yet Clara is silent";
  t.stop();
  EXPECT_FALSE(t.failure());
  int depth = 0;
  for (const auto& m : backend.output) depth += m.msg.is_note_on() - m.msg.is_note_off();
  EXPECT_EQ(depth, 0);
  const auto& tokens = engine.committed_tokens();
  EXPECT_EQ(std::count(tokens.begin(), tokens.end(), Vocabulary::kEos), 2) << "the reset starts a new piece";
}

TEST(DuetThread, AFailingModelLeavesThePortsOpenSilentAndDrained) {
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  const Vocabulary vocab = notewise_vocabulary(spec);
  FakeBackend backend;
  FragileModel model(vocab.size(), 40);
  DuetConfig c;
  c.mode = DuetMode::solo;
  c.bpm = 400;
  DuetEngine engine(model, vocab, spec, c);
  engine.start(backend.now_ns());
  DuetThread t(backend, engine, nullptr, InstrumentRoute{});
  t.start();
  for (int i = 0; i < 100 && !t.failure(); ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(t.failure());
  EXPECT_NE(t.failure()->find("model exploded"), std::string::npos);
  EXPECT_GE(backend.panics.load(), 1) << "what sounded must be ended";
  std::size_t out_before;
  {
    std::lock_guard l(backend.mu);
    out_before = backend.output.size();
  }
  // Still running: the human's input is taken off the queue, nothing more is played.
  for (int i = 0; i < 5; ++i) backend.play(ShortMessage{0x90, 60, 100});
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(backend.popped.load(), 5);
  {
    std::lock_guard l(backend.mu);
    EXPECT_EQ(backend.output.size(), out_before);
  }
  t.stop();  // does not throw or hang
}

// An output queue that is full at every third push while `tight` is set.
class TightBackend : public FakeBackend {
 public:
  bool push_output(const TimedMessage& m) override {
    std::lock_guard l(mu);
    if (tight && ++pushes % 3 == 0) return false;
    output.push_back(m);
    return true;
  }
  std::atomic<bool> tight{true};
  int pushes = 0;
};

// A full queue used to lose whatever did not fit, note-offs included, and the
// session recorded it anyway. Now a refused note-on takes its note-off with
// it, a note-off that does not fit goes on a later tick, and the session holds
// exactly what was pushed.
TEST(DuetThread, AFullOutputQueueNeverLosesANoteOff) {
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  const Vocabulary vocab = notewise_vocabulary(spec);
  TightBackend backend;
  FragileModel model(vocab.size(), -1);
  DuetConfig c;
  c.mode = DuetMode::solo;
  c.bpm = 400;
  DuetEngine engine(model, vocab, spec, c);
  engine.start(backend.now_ns());
  SessionRecorder recorder(backend.now_ns(), c.bpm);
  DuetThread t(backend, engine, &recorder, InstrumentRoute{});
  t.start();
  std::this_thread::sleep_for(400ms);
  backend.tight = false;
  std::this_thread::sleep_for(50ms);  // what is held goes out on the next ticks
  t.stop();
  EXPECT_FALSE(t.failure());
  std::map<int, int> open;
  int ons = 0, orphans = 0;
  for (const auto& m : backend.output) {
    const int key = m.msg.channel() * 128 + m.msg.data1;
    if (m.msg.is_note_on()) ++open[key], ++ons;
    if (m.msg.is_note_off() && open[key]-- == 0) ++orphans, open[key] = 0;
  }
  EXPECT_GT(ons, 10);
  EXPECT_EQ(orphans, 0) << "a note-off sent for a note-on that was refused";
  for (const auto& [key, n] : open) EXPECT_EQ(n, 0) << "key " << key % 128 << " left hanging";
  EXPECT_GT(t.refused_note_ons(), 0u);
  EXPECT_GT(t.retried_note_offs(), 0u);
  EXPECT_EQ(recorder.clara_count(), backend.output.size()) << "the session records what was pushed, only that";
}

}  // namespace
}  // namespace clara::daemon

namespace clara::daemon {
namespace {

// An output queue that takes nothing while `closed` is set.
class ClosableBackend : public FakeBackend {
 public:
  bool push_output(const TimedMessage& m) override {
    if (closed) return false;
    return FakeBackend::push_output(m);
  }
  std::atomic<bool> closed{false};
};

// Holds every note it starts for a beat: an onset, then a wait of 12 steps, then the next onset
// (the grammar ends the old note first), so that a note is sounding nearly all the time.
class HoldingModel : public TokenModel {
 public:
  explicit HoldingModel(const Vocabulary& v)
      : logits_(v.size(), 0.0f), onset_(v.id("p0")), wait_(v.id("wait12")) {}
  std::size_t vocab_size() const override { return logits_.size(); }
  void reset() override {}
  std::span<const float> feed(int id) override {
    std::fill(logits_.begin(), logits_.end(), 0.0f);
    logits_[static_cast<std::size_t>(id == onset_ ? wait_ : onset_)] = 10.0f;
    return logits_;
  }
  struct S : State {};
  std::unique_ptr<State> save() const override { return std::make_unique<S>(); }
  void restore(const State&) override {}

 private:
  std::vector<float> logits_;
  int onset_, wait_;
};

// stop() used to leave what the gate held (note-offs a full queue turned away) in the gate: the
// synth got the backend's panic, but the note-offs never went out and session.mid held the notes
// to its end. Now stop() offers them until the queue takes them.
TEST(DuetThread, StopSendsAndRecordsTheNoteOffsAFullQueueHeldBack) {
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  const Vocabulary vocab = notewise_vocabulary(spec);
  ClosableBackend backend;
  HoldingModel model(vocab);
  DuetConfig c;
  c.mode = DuetMode::solo;
  c.bpm = 400;
  DuetEngine engine(model, vocab, spec, c);
  engine.start(backend.now_ns());
  SessionRecorder recorder(backend.now_ns(), c.bpm);
  DuetThread t(backend, engine, &recorder, InstrumentRoute{});
  t.start();
  std::this_thread::sleep_for(300ms);
  backend.closed = true;  // full from here: stop()'s note-offs are held
  std::thread reopen([&] {
    std::this_thread::sleep_for(100ms);
    backend.closed = false;
  });
  t.stop();
  reopen.join();
  ASSERT_GT(t.retried_note_offs(), 0u) << "nothing was sounding at stop(): the test proves nothing";
  std::map<int, int> open;
  for (const auto& m : backend.output) {
    const int key = m.msg.channel() * 128 + m.msg.data1;
    open[key] += m.msg.is_note_on() - m.msg.is_note_off();
  }
  for (const auto& [key, n] : open) EXPECT_EQ(n, 0) << "key " << key % 128 << " left hanging";
  EXPECT_EQ(recorder.clara_count(), backend.output.size()) << "the session records what was pushed, all of it";
}

// A program change goes through the gate like Clara's notes: held back by a full queue rather than
// lost, and recorded, so that session.mid plays her notes after it with the new sound (a track of
// their own).
TEST(DuetThread, ARouteProgramChangeIsHeldByAFullQueueAndRecorded) {
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  const Vocabulary vocab = notewise_vocabulary(spec);
  ClosableBackend backend;
  FragileModel model(vocab.size(), -1);
  DuetConfig c;
  c.mode = DuetMode::solo;
  c.bpm = 400;
  DuetEngine engine(model, vocab, spec, c);
  engine.start(backend.now_ns());
  SessionRecorder recorder(backend.now_ns(), c.bpm);
  DuetThread t(backend, engine, &recorder, InstrumentRoute{});
  t.start();
  std::this_thread::sleep_for(100ms);
  backend.closed = true;
  EXPECT_FALSE(t.submit(SetRoute{"p", 4, 41}));  // channel 5, program 41
  std::this_thread::sleep_for(50ms);
  backend.closed = false;
  std::this_thread::sleep_for(150ms);
  t.stop();
  int programs = 0;
  for (const auto& m : backend.output)
    if ((m.msg.status & 0xf0) == 0xc0) {
      ++programs;
      EXPECT_EQ(m.msg.channel(), 4);
      EXPECT_EQ(m.msg.data1, 41);
    }
  EXPECT_EQ(programs, 1) << "the program change was lost to the full queue";
  EXPECT_EQ(recorder.clara_count(), backend.output.size());
  const Score score = [&] {
    const auto dir = std::filesystem::temp_directory_path() / ("clara-route-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    recorder.write_midi(dir / "session.mid", backend.now_ns());
    Score s = read_midi_file(dir / "session.mid");
    std::filesystem::remove_all(dir);
    return s;
  }();
  bool before = false, after = false;
  for (const auto& part : score.parts) {
    if (part.name == "Clara p" && !part.notes.empty()) before = part.program == 0 && part.channel == 0;
    if (part.name == "Clara p (channel 5, program 41)") after = part.program == 41 && part.channel == 4 && !part.notes.empty();
  }
  EXPECT_TRUE(before) << "her notes before the change, on channel 1 with program 0";
  EXPECT_TRUE(after) << "her notes after it, in a track on channel 5 with program 41";
}

// Clara alone at 400 bpm on a fake backend with one route, her thread built but not started: the
// route tests' set-up.
struct SoloAt400 {
  static DuetConfig config() {
    DuetConfig c;
    c.mode = DuetMode::solo;
    c.bpm = 400;
    return c;
  }
  EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  Vocabulary vocab = notewise_vocabulary(spec);
  FakeBackend backend;
  FragileModel model{vocab.size(), -1};
  DuetEngine engine{model, vocab, spec, config()};
  bool started = (engine.start(backend.now_ns()), true);  // before the thread reads the engine
  DuetThread thread{backend, engine, nullptr, InstrumentRoute{}};
};

TEST(DuetThread, ARouteChangeEndsClarasNotesOnTheOldChannelAndSendsTheProgram) {
  SoloAt400 rig;
  FakeBackend& backend = rig.backend;
  DuetThread& t = rig.thread;
  t.start();
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(t.submit(SetRoute{"p", 16, 0}));   // channel 17
  EXPECT_TRUE(t.submit(SetRoute{"zz", 1, 0}));   // no such part
  EXPECT_TRUE(t.submit(SetRoute{"p", 2, 128}));  // program 128
  EXPECT_FALSE(t.submit(SetRoute{"p", 4, 41}));
  std::this_thread::sleep_for(150ms);
  t.stop();
  // Every note balanced per channel; the program change on channel 5; notes there after it.
  std::map<int, int> depth;
  bool program = false, after = false;
  for (const auto& m : backend.output) {
    const int ch = m.msg.status & 0x0f;
    depth[ch] += m.msg.is_note_on() - m.msg.is_note_off();
    if ((m.msg.status & 0xf0) == 0xc0) {
      EXPECT_EQ(ch, 4);
      EXPECT_EQ(m.msg.data1, 41);
      program = true;
    }
    if (program && m.msg.is_note_on()) {
      EXPECT_EQ(ch, 4);
      after = true;
    }
  }
  EXPECT_TRUE(program);
  EXPECT_TRUE(after);
  for (auto [ch, d] : depth) EXPECT_EQ(d, 0) << "channel " << ch + 1;
}

TEST(DuetThread, ARouteShapeMovesClarasNotesToAnotherOutputAndRangeAfterEndingThem) {
  SoloAt400 rig;
  FakeBackend& backend = rig.backend;
  DuetThread& t = rig.thread;
  t.start();
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(t.submit(SetRoute{"p", 0, -1, RouteShape{1, 0.05, 0, 127}}));  // curve out of range
  EXPECT_TRUE(t.submit(SetRoute{"p", 0, -1, RouteShape{1, 1.0, 60, 65}}));   // narrower than an octave
  EXPECT_TRUE(t.submit(SetRoute{"p", 0, -1, RouteShape{-1, 1.0, 0, 127}}));  // no such output
  const std::size_t before = [&] {
    std::this_thread::sleep_for(50ms);
    return backend.output.size();
  }();
  EXPECT_FALSE(t.submit(SetRoute{"p", 0, -1, RouteShape{1, 1.0, 60, 71}}));  // port 1, one octave from C4
  std::this_thread::sleep_for(150ms);
  t.stop();
  // Every note balanced on the port it sounded on; after the change her note-ons are on port 1,
  // folded into 60..71.
  std::map<int, int> depth;
  bool moved = false;
  std::size_t i = 0;
  for (const auto& m : backend.output) {
    depth[m.port * 128 + m.msg.data1] += m.msg.is_note_on() - m.msg.is_note_off();
    if (m.msg.is_note_on() && m.port == 1) {
      moved = true;
      EXPECT_GE(m.msg.data1, 60);
      EXPECT_LE(m.msg.data1, 71);
    }
    if (m.msg.is_note_on() && moved) {
      EXPECT_EQ(m.port, 1) << "a note-on on port 0 after the move";
    }
    if (m.msg.is_note_on() && i < before) {
      EXPECT_EQ(m.port, 0);
    }
    ++i;
  }
  EXPECT_TRUE(moved) << "no note-on on port 1 after the route moved there";
  for (auto [k, d] : depth) EXPECT_EQ(d, 0) << "port " << k / 128 << " key " << k % 128;
}

TEST(DuetThread, ATimedCommandWaitsForItsTimeAndAModeOnTheBarLine) {
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  const Vocabulary vocab = notewise_vocabulary(spec);
  FakeBackend backend;
  FragileModel model(vocab.size(), -1);
  DuetConfig c;
  c.mode = DuetMode::solo;
  c.bpm = 240;  // a bar of 4 beats = 1 s
  DuetEngine engine(model, vocab, spec, c);
  engine.start(backend.now_ns());
  DuetThread t(backend, engine, nullptr, InstrumentRoute{});
  t.start();
  const std::int64_t sent = backend.now_ns();
  const std::int64_t due = sent + 300'000'000;
  EXPECT_FALSE(t.submit(SetVelocity{90}, due));
  EXPECT_FALSE(t.submit(SetMode{DuetMode::listen}, due, true));
  EXPECT_FALSE(t.submit(SetTempo{200}));  // not held up by the timed ones
  std::this_thread::sleep_for(2300ms);
  t.stop();
  std::int64_t tempo_step = -1, velocity_step = -1, mode_step = -1;
  for (const auto& in : engine.log()) {
    if (in.kind == DuetInput::Kind::tempo) tempo_step = in.step;
    if (in.kind == DuetInput::Kind::velocity) velocity_step = in.step;
    if (in.kind == DuetInput::Kind::mode) mode_step = in.step;
  }
  ASSERT_GE(tempo_step, 0);
  ASSERT_GE(velocity_step, 0);
  ASSERT_GE(mode_step, 0);
  EXPECT_LT(tempo_step, velocity_step);
  // The frontier runs a commit step or so ahead of the clock: the velocity took effect once
  // the clock reached its due time, not before.
  EXPECT_GE(engine.time_of_step(velocity_step), due);
  EXPECT_LE(engine.time_of_step(velocity_step), due + 150'000'000);
  const std::int64_t bar = 4LL * spec.sample_freq;
  EXPECT_EQ(mode_step % bar, 0) << "the mode change lands on a bar line";
  EXPECT_GE(mode_step, velocity_step);
  EXPECT_EQ(engine.mode(), DuetMode::listen);
}

TEST(DuetThread, TheInputFilterKeepsMappedMessagesOutOfTheContext) {
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  const Vocabulary vocab = notewise_vocabulary(spec);
  FakeBackend backend;
  FragileModel model(vocab.size(), -1);
  DuetConfig c;
  c.mode = DuetMode::listen;
  DuetEngine engine(model, vocab, spec, c);
  engine.start(backend.now_ns());
  DuetThread t(backend, engine, nullptr, InstrumentRoute{});
  std::atomic<int> seen{0};
  t.set_input_filter([&](const TimedMessage& m) {
    ++seen;
    return (m.msg.status & 0xf0) == 0xb0 && m.msg.data1 == 21;
  });
  t.start();
  backend.play({0xb0, 21, 100});  // mapped
  backend.play({0x90, 60, 80});
  backend.play({0x80, 60, 0});
  std::this_thread::sleep_for(100ms);
  t.stop();
  EXPECT_EQ(seen.load(), 3);
  EXPECT_EQ(engine.stats().human_messages, 2u);
}

// A tempo source that takes tempo controls (as Link does: a proposal to the session) or not.
class ProposalSource : public TempoSourceHook {
 public:
  explicit ProposalSource(bool takes) : takes_(takes) {}
  bool input(const TimedMessage&) override { return false; }
  void tick(const DuetEngine&, std::int64_t, std::vector<ControlCommand>&) override {}
  void switch_to(const std::string&, std::int64_t, std::vector<ControlCommand>&) override {}
  bool propose_tempo(double bpm, std::int64_t) override {
    proposed.push_back(bpm);
    return takes_;
  }
  std::vector<double> proposed;  // read once the thread is stopped

 private:
  bool takes_;
};

TEST(DuetThread, ATempoControlGoesToASourceThatTakesItAndOtherwiseToTheGrid) {
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  const Vocabulary vocab = notewise_vocabulary(spec);
  for (const bool takes : {true, false}) {
    FakeBackend backend;
    FragileModel model(vocab.size(), -1);
    DuetConfig c;
    c.mode = DuetMode::solo;
    c.bpm = 120;
    DuetEngine engine(model, vocab, spec, c);
    engine.start(backend.now_ns());
    ProposalSource source(takes);
    DuetThread t(backend, engine, nullptr, InstrumentRoute{});
    t.set_tempo_source(&source);
    t.start();
    EXPECT_FALSE(t.submit(SetTempo{90}));
    std::this_thread::sleep_for(100ms);
    t.stop();
    EXPECT_EQ(source.proposed, std::vector<double>{90});
    const std::int64_t f = engine.frontier();
    const double bpm = 60e9 / (spec.sample_freq * static_cast<double>(engine.time_of_step(f + 1) - engine.time_of_step(f)));
    EXPECT_NEAR(bpm, takes ? 120 : 90, 0.1) << (takes ? "proposed to the source, yet the grid moved"
                                                       : "a source that does not take it leaves it to the grid");
  }
}

}  // namespace
}  // namespace clara::daemon

namespace clara::daemon {
namespace {

// Clara as MIDI Clock master: Start at step 0's time, then 24 ticks a quarter on her grid, then
// Stop when she stops; none of it in the session.
TEST(DuetThread, ClockOutSendsStartTicksOnHerGridAndStop) {
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  const Vocabulary vocab = notewise_vocabulary(spec);
  FakeBackend backend;
  FragileModel model(vocab.size(), -1);
  DuetConfig c;
  c.mode = DuetMode::solo;
  c.bpm = 120;
  DuetEngine engine(model, vocab, spec, c);
  engine.start(backend.now_ns() + 20'000'000);
  SessionRecorder recorder(backend.now_ns(), c.bpm);
  DuetThread t(backend, engine, &recorder, InstrumentRoute{});
  t.set_clock_out(true);
  t.start();
  std::this_thread::sleep_for(400ms);
  t.stop();
  std::vector<TimedMessage> system;
  std::size_t music = 0;
  for (const auto& m : backend.output) (m.msg.is_system() ? system.push_back(m) : void(++music));
  ASSERT_GE(system.size(), 10u);
  EXPECT_EQ(system.front().msg.status, 0xFA);
  EXPECT_EQ(system.front().time_ns, engine.time_of_step(0));
  EXPECT_EQ(system.back().msg.status, 0xFC);
  std::vector<std::int64_t> ticks;
  for (const auto& m : system)
    if (m.msg.status == 0xF8) ticks.push_back(m.time_ns);
  ASSERT_EQ(ticks.size(), system.size() - 2) << "only Start, ticks and Stop";
  EXPECT_EQ(ticks.front(), engine.time_of_step(0));
  for (std::size_t k = 1; k < ticks.size(); ++k)
    EXPECT_NEAR(static_cast<double>(ticks[k] - ticks[k - 1]), 500e6 / 24, 1.0) << "tick " << k;
  EXPECT_GT(music, 0u);
  EXPECT_EQ(recorder.clara_count(), music) << "the clock is not recorded";
}

// Two bars' count-in at 400 bpm (a beat 150 ms): clicks on channel 10, accented on each bar's
// first beat, and Clara silent through them, then playing; the metronome off, no more clicks;
// turned on live, clicks again. None of it in the session.
TEST(DuetThread, CountInThenMetronomeOnLive) {
  const EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  const Vocabulary vocab = notewise_vocabulary(spec);
  FakeBackend backend;
  FragileModel model(vocab.size(), -1);
  DuetConfig c;
  c.mode = DuetMode::solo;
  c.bpm = 400;
  DuetEngine engine(model, vocab, spec, c);
  engine.start(backend.now_ns() + 20'000'000);
  SessionRecorder recorder(backend.now_ns(), c.bpm);
  DuetThread t(backend, engine, &recorder, InstrumentRoute{});
  t.set_metronome(false, 2);
  t.start();
  std::this_thread::sleep_for(1500ms);  // the count-in (1.2 s) and a little more
  EXPECT_FALSE(t.submit(SetMetronome{true}));
  std::this_thread::sleep_for(700ms);
  t.stop();
  const std::int64_t count_in_end = engine.time_of_step(2 * 4 * spec.sample_freq);
  std::vector<TimedMessage> clicks;
  std::size_t music = 0, music_in_count_in = 0;
  for (const auto& m : backend.output) {
    if (m.msg.channel() == 9 && !m.msg.is_system()) {
      clicks.push_back(m);
    } else if (!m.msg.is_system()) {
      ++music;
      if (m.msg.is_note_on() && m.time_ns < count_in_end) ++music_in_count_in;
    }
  }
  EXPECT_EQ(music_in_count_in, 0u) << "Clara played during the count-in";
  EXPECT_GT(music, 0u) << "Clara did not join in after the count-in";
  std::vector<std::int64_t> count_in_clicks, later_clicks;
  for (const auto& m : clicks)
    if (m.msg.is_note_on()) (m.time_ns < count_in_end ? count_in_clicks : later_clicks).push_back(m.time_ns);
  ASSERT_EQ(count_in_clicks.size(), 8u) << "two bars of four beats";
  for (std::size_t b = 0; b < count_in_clicks.size(); ++b)
    EXPECT_EQ(count_in_clicks[b], engine.time_of_step(static_cast<std::int64_t>(b) * spec.sample_freq));
  int accents = 0;
  for (const auto& m : clicks)
    if (m.msg.is_note_on() && m.time_ns < count_in_end) accents += m.msg.data1 == 76;
  EXPECT_EQ(accents, 2) << "the first beat of each bar";
  ASSERT_FALSE(later_clicks.empty()) << "the metronome turned on live did not click";
  EXPECT_GT(later_clicks.front(), count_in_end + 150'000'000) << "clicks between the count-in and the switch";
  int depth = 0;
  for (const auto& m : clicks) depth += m.msg.is_note_on() - m.msg.is_note_off();
  EXPECT_EQ(depth, 0) << "a click left sounding";
  EXPECT_EQ(recorder.clara_count(), music) << "clicks are not recorded";
}

}  // namespace
}  // namespace clara::daemon
