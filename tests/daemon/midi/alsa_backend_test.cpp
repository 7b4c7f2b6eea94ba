// The ALSA backend needs the kernel's sequencer (/dev/snd/seq). Where it is
// missing (containers, CI runners) the backend must refuse clearly, and the
// live tests skip; where it exists they loop our ports through RtMidi clients.
#include <gtest/gtest.h>
#include <unistd.h>

#include <RtMidi.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "daemon/midi/midi_backend.hpp"

namespace clara::daemon {
namespace {

using namespace std::chrono_literals;

bool have_sequencer() { return ::access("/dev/snd/seq", R_OK | W_OK) == 0; }

template <class F>
bool wait_for(F&& condition, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

int find_port(RtMidi& midi, const std::string& needle) {
  for (unsigned i = 0; i < midi.getPortCount(); ++i)
    if (midi.getPortName(i).find(needle) != std::string::npos) return static_cast<int>(i);
  return -1;
}

TEST(AlsaBackend, RefusesClearlyWithoutTheSequencer) {
  if (have_sequencer()) GTEST_SKIP() << "this machine has an ALSA sequencer";
  try {
    make_alsa_backend(BackendSettings{});
    FAIL() << "expected BackendError";
  } catch (const BackendError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("ALSA sequencer unavailable"), std::string::npos) << what;
    EXPECT_NE(what.find("/dev/snd/seq"), std::string::npos) << what;
    EXPECT_NE(what.find("--backend jack"), std::string::npos) << what;
  }
}

TEST(AlsaBackend, BadPatternIsReportedBeforeTheSequencerIsTouched) {
  BackendSettings settings;
  settings.connect_input = {"[unclosed"};
  try {
    make_alsa_backend(settings);
    FAIL() << "expected BackendError";
  } catch (const BackendError& e) {
    EXPECT_NE(std::string(e.what()).find("connect_input[0]"), std::string::npos) << e.what();
  }
}

// Records what arrives on a port, with the arrival moment on the steady clock.
struct Recorder {
  std::mutex mutex;
  std::vector<std::vector<unsigned char>> messages;
  static void callback(double, std::vector<unsigned char>* m, void* self) {
    auto* r = static_cast<Recorder*>(self);
    std::lock_guard lock(r->mutex);
    r->messages.push_back(*m);
  }
  std::size_t size() {
    std::lock_guard lock(mutex);
    return messages.size();
  }
};

TEST(AlsaBackend, VirtualPortsCarryInputAndOutputAndThePanic) {
  if (!have_sequencer()) GTEST_SKIP() << "no ALSA sequencer (/dev/snd/seq missing)";
  BackendSettings settings;
  settings.client_name = "clara-test-" + std::to_string(::getpid());
  settings.startup_panic_channels = 0;
  auto backend = make_alsa_backend(settings);
  backend->start();
  EXPECT_EQ(backend->kind(), "alsa");

  RtMidiOut player(RtMidi::LINUX_ALSA, "clara-test-player");
  const int clara_in = find_port(player, settings.client_name + ":Clara In");
  ASSERT_GE(clara_in, 0) << "no 'Clara In' port";
  player.openPort(static_cast<unsigned>(clara_in));
  RtMidiIn listener(RtMidi::LINUX_ALSA, "clara-test-listener");
  const int clara_out = find_port(listener, settings.client_name + ":Clara Out");
  ASSERT_GE(clara_out, 0) << "no 'Clara Out' port";
  listener.openPort(static_cast<unsigned>(clara_out));
  Recorder recorder;
  listener.setCallback(&Recorder::callback, &recorder);

  const std::int64_t sent_at = backend->now_ns();
  const unsigned char note[3] = {0x90, 60, 100};
  player.sendMessage(note, 3);
  TimedMessage in;
  ASSERT_TRUE(wait_for([&] { return backend->pop_input(in); }, 1s));
  EXPECT_EQ(in.msg, (ShortMessage{0x90, 60, 100}));
  EXPECT_GE(in.time_ns, sent_at);
  EXPECT_LT(in.time_ns - sent_at, 50'000'000);

  const std::int64_t due = backend->now_ns() + 30'000'000;
  ASSERT_TRUE(backend->push_output({due, {0x91, 64, 90}, 0}));
  ASSERT_TRUE(wait_for([&] { return recorder.size() >= 1; }, 1s));
  EXPECT_GE(backend->now_ns(), due);
  backend->stop();
  std::this_thread::sleep_for(50ms);
  std::lock_guard lock(recorder.mutex);
  const std::vector<std::vector<unsigned char>> expected{
      {0x91, 64, 90}, {0x81, 64, 0}, {0xB1, 64, 0}, {0xB1, 123, 0}, {0xB1, 120, 0}};
  EXPECT_EQ(recorder.messages, expected);
  EXPECT_EQ(backend->stats().late, 0u);
}

// The hot-plug tests' backend: its output connects to `synth` by pattern, and the start-up panic
// (and each new connection's) goes to channel 1 only.
BackendSettings following(const std::string& synth) {
  BackendSettings settings;
  settings.client_name = "clara-test-" + std::to_string(::getpid());
  settings.startup_panic_channels = 1;
  settings.outputs[0].connect = {synth};
  return settings;
}

// How many panics (CC 123 on channel 1) a synth has heard.
std::ptrdiff_t panics(Recorder& r) {
  std::lock_guard lock(r.mutex);
  return std::count(r.messages.begin(), r.messages.end(), std::vector<unsigned char>{0xB0, 123, 0});
}

// Hot-plug: a synth's port that matches an output's pattern is connected when it appears, again
// when it comes back, and gets a panic each time (here: the start-up panic's CC 123 on channel 1).
TEST(AlsaBackend, FollowsASynthThatComesAndGoes) {
  if (!have_sequencer()) GTEST_SKIP() << "no ALSA sequencer (/dev/snd/seq missing)";
  const std::string synth_client = "clara-test-synth-" + std::to_string(::getpid());
  auto backend = make_alsa_backend(following(synth_client));
  backend->start();
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(testing::Message() << "round " << round);
    Recorder recorder;
    {
      RtMidiIn synth(RtMidi::LINUX_ALSA, synth_client);
      synth.setCallback(&Recorder::callback, &recorder);
      synth.openVirtualPort("in");
      ASSERT_TRUE(wait_for([&] { return panics(recorder) >= 1; }, 1s)) << "not connected and panicked on within 1 s";
    }  // unplugged
    std::this_thread::sleep_for(100ms);
  }
  backend->stop();
}

// A reload's new patterns, live: the synth the old pattern connected gets a panic and is
// disconnected, the one the new pattern matches is connected and gets one.
TEST(AlsaBackend, NewPatternsMoveTheOutputWhilePlaying) {
  if (!have_sequencer()) GTEST_SKIP() << "no ALSA sequencer (/dev/snd/seq missing)";
  const std::string a = "clara-test-a-" + std::to_string(::getpid());
  const std::string b = "clara-test-b-" + std::to_string(::getpid());
  Recorder at_a, at_b;
  RtMidiIn synth_a(RtMidi::LINUX_ALSA, a), synth_b(RtMidi::LINUX_ALSA, b);
  synth_a.setCallback(&Recorder::callback, &at_a);
  synth_b.setCallback(&Recorder::callback, &at_b);
  synth_a.openVirtualPort("in");
  synth_b.openVirtualPort("in");
  auto backend = make_alsa_backend(following(a));
  backend->start();
  ASSERT_TRUE(wait_for([&] { return panics(at_a) >= 1; }, 1s));
  EXPECT_EQ(at_b.size(), 0u);
  ASSERT_EQ(backend->set_connections({}, {{b}}), std::nullopt);
  ASSERT_TRUE(wait_for([&] { return panics(at_b) >= 1; }, 1s)) << "the new synth connected and panicked on";
  EXPECT_GE(panics(at_a), 2) << "the old synth panicked on before it was left";
  const std::size_t before = at_a.size();
  ASSERT_TRUE(backend->push_output({backend->now_ns() + 5'000'000, {0x90, 60, 100}, 0}));
  ASSERT_TRUE(wait_for(
      [&] {
        std::lock_guard lock(at_b.mutex);
        return std::count(at_b.messages.begin(), at_b.messages.end(), std::vector<unsigned char>{0x90, 60, 100}) == 1;
      },
      1s));
  EXPECT_EQ(at_a.size(), before) << "nothing reaches the synth the new pattern left";
  backend->stop();
}

}  // namespace
}  // namespace clara::daemon
