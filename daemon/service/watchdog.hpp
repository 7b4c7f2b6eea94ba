#pragma once
// The service supervisor: a thread of its own (not real-time) that tells
// systemd clarad is alive (WATCHDOG=1, at half of WatchdogSec=) only while the
// work is being done: the output path (the JACK process callback or the ALSA
// clock thread) and the inference thread have both advanced since its last
// check. A stalled path stops the pings and systemd restarts clarad. Every few
// seconds it also sends a STATUS= line. Time comes in through poll(), so tests
// drive it with a fake clock and fake counters.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "daemon/service/notify_message.hpp"
#include "daemon/service/notify_sink.hpp"

namespace clara::daemon {

using SupervisorClock = std::chrono::steady_clock;

// Counters the work paths bump: MidiBackend::cycles() and DuetThread::ticks().
struct Progress {
  std::uint64_t output_cycles = 0;
  std::uint64_t inference_ticks = 0;
};

struct SupervisorOptions {
  std::chrono::microseconds watchdog{0};  // WATCHDOG_USEC; 0 = no watchdog, no pings
  std::chrono::milliseconds status_every{5000};
  // Test hook (CLARA_TEST_STALL_OUTPUT_AFTER_S): from this long after start the output
  // counter is read as standing still, so the pings stop as they would for a real stall,
  // without touching the real-time path or its timing.
  std::optional<std::chrono::milliseconds> stall_output_after;
};

// "2.5" -> 2500 ms. nullopt, with the reason in `why`, unless the whole text is a number of
// seconds > 0 (at most a day).
std::optional<std::chrono::milliseconds> parse_stall_after(std::string_view text, std::string& why);

// WATCHDOG_USEC (through sd_watchdog_enabled, which also checks WATCHDOG_PID) and
// CLARA_TEST_STALL_OUTPUT_AFTER_S, read once; a bad value of either is logged and ignored.
SupervisorOptions supervisor_options_from_environment();

struct SupervisorProbes {
  std::function<Progress()> progress;    // any thread; cheap (relaxed atomics)
  std::function<ServiceStatus()> status;
};

class ServiceSupervisor {
 public:
  // Samples the counters now: the first check compares against `start`.
  ServiceSupervisor(NotifySink& sink, SupervisorOptions options, SupervisorProbes probes,
                    SupervisorClock::time_point start);
  ~ServiceSupervisor();
  ServiceSupervisor(const ServiceSupervisor&) = delete;
  ServiceSupervisor& operator=(const ServiceSupervisor&) = delete;

  // One wake-up at `now`: when a watchdog check is due, WATCHDOG=1 if both counters moved
  // since the last check; when a status is due, a STATUS= line. Returns when to wake next.
  // Single caller: the thread start() runs, or a test.
  SupervisorClock::time_point poll(SupervisorClock::time_point now);

  void start();  // a thread calling poll() at each wake-up, on the steady clock
  void stop();   // wakes and joins it; idempotent

  std::uint64_t pings() const { return pings_; }  // WATCHDOG=1 sent (poll's caller only)
  bool output_stalled() const { return output_stalled_; }
  bool inference_stalled() const { return inference_stalled_; }

 private:
  void check(SupervisorClock::time_point now);
  void run();

  NotifySink& sink_;
  SupervisorOptions options_;
  SupervisorProbes probes_;
  SupervisorClock::time_point start_, next_check_, next_status_;
  Progress last_;
  bool output_stalled_ = false, inference_stalled_ = false;
  std::uint64_t pings_ = 0;

  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
};

}  // namespace clara::daemon
