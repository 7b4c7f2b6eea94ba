#include "daemon/service/watchdog.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace clara::daemon;
using namespace std::chrono_literals;

namespace {

struct RecordingSink : NotifySink {
  void notify(const std::string& message) override {
    std::lock_guard lock(mutex);
    messages.push_back(message);
  }
  std::size_t count(const std::string& prefix) {
    std::lock_guard lock(mutex);
    return static_cast<std::size_t>(std::count_if(messages.begin(), messages.end(),
                                                   [&](const std::string& m) { return m.rfind(prefix, 0) == 0; }));
  }
  std::mutex mutex;
  std::vector<std::string> messages;
};

// Counters a test moves by hand, and a clock it advances by hand.
struct Fixture {
  std::atomic<std::uint64_t> output{0}, inference{0};
  RecordingSink sink;
  SupervisorClock::time_point t0 = SupervisorClock::time_point{} + 1000s;
  SupervisorProbes probes() {
    return {[this] { return Progress{output.load(), inference.load()}; },
            [] {
              ServiceStatus s;
              s.model = "m";
              s.mode = "answer";
              return s;
            }};
  }
  void advance_both() { ++output, ++inference; }
};

SupervisorOptions watchdog_of(std::chrono::microseconds interval) {
  SupervisorOptions o;
  o.watchdog = interval;
  o.status_every = 5s;
  return o;
}

}  // namespace

TEST(ServiceSupervisor, PingsAtHalfTheIntervalWhileBothPathsAdvance) {
  Fixture f;
  ServiceSupervisor sup(f.sink, watchdog_of(2s), f.probes(), f.t0);
  EXPECT_EQ(sup.poll(f.t0), f.t0 + 1s);  // nothing due yet
  EXPECT_EQ(f.sink.count("WATCHDOG=1"), 0u);
  for (int i = 1; i <= 4; ++i) {
    f.advance_both();
    EXPECT_EQ(sup.poll(f.t0 + i * 1s), f.t0 + (i + 1) * 1s);
  }
  EXPECT_EQ(sup.pings(), 4u);
  EXPECT_EQ(f.sink.count("WATCHDOG=1"), 4u);
}

TEST(ServiceSupervisor, AStalledOutputPathStopsThePingsUntilItRunsAgain) {
  Fixture f;
  ServiceSupervisor sup(f.sink, watchdog_of(2s), f.probes(), f.t0);
  f.advance_both();
  sup.poll(f.t0 + 1s);
  EXPECT_EQ(sup.pings(), 1u);
  ++f.inference;  // output stands still
  sup.poll(f.t0 + 2s);
  EXPECT_EQ(sup.pings(), 1u);
  EXPECT_TRUE(sup.output_stalled());
  EXPECT_FALSE(sup.inference_stalled());
  ++f.inference;
  sup.poll(f.t0 + 3s);
  EXPECT_EQ(sup.pings(), 1u);
  f.advance_both();
  sup.poll(f.t0 + 4s);
  EXPECT_EQ(sup.pings(), 2u);
  EXPECT_FALSE(sup.output_stalled());
}

TEST(ServiceSupervisor, AStalledInferenceThreadStopsThePings) {
  Fixture f;
  ServiceSupervisor sup(f.sink, watchdog_of(2s), f.probes(), f.t0);
  ++f.output;  // the output callback runs, the model does not
  sup.poll(f.t0 + 1s);
  EXPECT_EQ(sup.pings(), 0u);
  EXPECT_TRUE(sup.inference_stalled());
  EXPECT_FALSE(sup.output_stalled());
}

TEST(ServiceSupervisor, ProgressIsJudgedSinceTheLastCheckNotSinceStart) {
  Fixture f;
  f.output = 100, f.inference = 100;  // moved before the supervisor existed: not progress
  ServiceSupervisor sup(f.sink, watchdog_of(2s), f.probes(), f.t0);
  sup.poll(f.t0 + 1s);
  EXPECT_EQ(sup.pings(), 0u);
}

TEST(ServiceSupervisor, TheStallHookFreezesTheOutputCounterFromItsTime) {
  Fixture f;
  SupervisorOptions o = watchdog_of(2s);
  o.stall_output_after = 2500ms;
  ServiceSupervisor sup(f.sink, o, f.probes(), f.t0);
  for (int i = 1; i <= 6; ++i) {
    f.advance_both();
    sup.poll(f.t0 + i * 1s);
  }
  EXPECT_EQ(sup.pings(), 2u);  // at 1 s and 2 s; none from 3 s on, though both counters move
  EXPECT_TRUE(sup.output_stalled());
}

TEST(ServiceSupervisor, StatusEveryFewSecondsSaysWhatStalled) {
  Fixture f;
  ServiceSupervisor sup(f.sink, watchdog_of(2s), f.probes(), f.t0);
  for (int i = 1; i <= 4; ++i) {
    f.advance_both();
    sup.poll(f.t0 + i * 1s);
  }
  EXPECT_EQ(f.sink.count("STATUS="), 0u);
  sup.poll(f.t0 + 5s);  // nothing moved since 4 s
  ASSERT_EQ(f.sink.count("STATUS="), 1u);
  EXPECT_EQ(f.sink.messages.back(), "STATUS=model m, mode answer, 120 bpm, 0 late events, output stalled, inference stalled");
}

TEST(ServiceSupervisor, WithoutAWatchdogOnlyStatusLinesAreSent) {
  Fixture f;
  SupervisorOptions o;
  o.status_every = 5s;
  ServiceSupervisor sup(f.sink, o, f.probes(), f.t0);
  EXPECT_EQ(sup.poll(f.t0 + 1s), f.t0 + 5s);
  f.advance_both();
  EXPECT_EQ(sup.poll(f.t0 + 5s), f.t0 + 10s);
  EXPECT_EQ(f.sink.count("WATCHDOG=1"), 0u);
  EXPECT_EQ(f.sink.count("STATUS="), 1u);
}

TEST(ServiceSupervisor, AWakeUpLongOverdueDoesNotBurstPings) {
  Fixture f;
  ServiceSupervisor sup(f.sink, watchdog_of(2s), f.probes(), f.t0);
  f.advance_both();
  EXPECT_EQ(sup.poll(f.t0 + 10500ms), f.t0 + 11500ms);  // the machine was suspended
  EXPECT_EQ(sup.pings(), 1u);
}

TEST(ServiceSupervisor, ItsThreadPingsOnTheSteadyClockAndStopsPromptly) {
  Fixture f;
  std::atomic<bool> run{true};
  std::thread work([&] {
    while (run) {
      f.advance_both();
      std::this_thread::sleep_for(1ms);
    }
  });
  ServiceSupervisor sup(f.sink, watchdog_of(20ms), f.probes(), SupervisorClock::now());
  sup.start();
  const auto deadline = SupervisorClock::now() + 2s;
  while (f.sink.count("WATCHDOG=1") < 3 && SupervisorClock::now() < deadline) std::this_thread::sleep_for(2ms);
  const auto t = SupervisorClock::now();
  sup.stop();
  EXPECT_LT(SupervisorClock::now() - t, 100ms);
  run = false;
  work.join();
  EXPECT_GE(f.sink.count("WATCHDOG=1"), 3u);
}

TEST(StallHook, ParsesSecondsAndRejectsTheRest) {
  std::string why;
  EXPECT_EQ(parse_stall_after("3", why), std::chrono::milliseconds(3000));
  EXPECT_EQ(parse_stall_after("0.25", why), std::chrono::milliseconds(250));
  for (const char* bad : {"", "0", "-1", "3s", "abc", "1e9", "nan"}) {
    why.clear();
    EXPECT_FALSE(parse_stall_after(bad, why)) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
}

TEST(StallHook, OptionsComeFromTheEnvironmentOnce) {
  setenv("WATCHDOG_USEC", "3000000", 1);
  unsetenv("WATCHDOG_PID");
  setenv("CLARA_TEST_STALL_OUTPUT_AFTER_S", "2.5", 1);
  SupervisorOptions o = supervisor_options_from_environment();
  EXPECT_EQ(o.watchdog, std::chrono::microseconds(3000000));
  EXPECT_EQ(o.stall_output_after, std::chrono::milliseconds(2500));
  setenv("CLARA_TEST_STALL_OUTPUT_AFTER_S", "soon", 1);  // logged and ignored
  unsetenv("WATCHDOG_USEC");
  o = supervisor_options_from_environment();
  EXPECT_EQ(o.watchdog.count(), 0);
  EXPECT_FALSE(o.stall_output_after);
  unsetenv("CLARA_TEST_STALL_OUTPUT_AFTER_S");
}
