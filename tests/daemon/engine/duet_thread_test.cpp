#include "daemon/engine/duet_thread.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/encoding/notewise_codec.hpp"

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

}  // namespace
}  // namespace clara::daemon
