#include "daemon/service/watchdog.hpp"

#include <systemd/sd-daemon.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

#include "daemon/log/logger.hpp"

namespace clara::daemon {

using namespace std::chrono;

std::optional<milliseconds> parse_stall_after(std::string_view text, std::string& why) {
  double seconds = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || !(seconds > 0) || seconds > 86400) {
    why = "must be a number of seconds in (0, 86400]";
    return std::nullopt;
  }
  return milliseconds(static_cast<std::int64_t>(seconds * 1000 + 0.5));
}

SupervisorOptions supervisor_options_from_environment() {
  SupervisorOptions o;
  std::uint64_t usec = 0;
  const int rc = sd_watchdog_enabled(0, &usec);
  if (rc > 0)
    o.watchdog = microseconds(usec);
  else if (rc < 0)
    log::warning("WATCHDOG_USEC=%s: not a watchdog interval (%s); no watchdog pings",
                 std::getenv("WATCHDOG_USEC") ? std::getenv("WATCHDOG_USEC") : "", std::strerror(-rc));
  if (const char* stall = std::getenv("CLARA_TEST_STALL_OUTPUT_AFTER_S"); stall && *stall) {
    std::string why;
    o.stall_output_after = parse_stall_after(stall, why);
    if (o.stall_output_after)
      log::warning("test hook CLARA_TEST_STALL_OUTPUT_AFTER_S=%s: the watchdog will read the output path as "
                   "stalled from %s s after ready",
                   stall, stall);
    else
      log::warning("CLARA_TEST_STALL_OUTPUT_AFTER_S=%s: %s; ignored", stall, why.c_str());
  }
  return o;
}

ServiceSupervisor::ServiceSupervisor(NotifySink& sink, SupervisorOptions options, SupervisorProbes probes,
                                     SupervisorClock::time_point start)
    : sink_(sink), options_(options), probes_(std::move(probes)), start_(start) {
  last_ = probes_.progress();
  // Half the interval, as sd_watchdog_enabled(3) advises: one late wake-up is not a missed ping.
  next_check_ = start_ + duration_cast<SupervisorClock::duration>(options_.watchdog / 2);
  next_status_ = start_ + options_.status_every;
}

ServiceSupervisor::~ServiceSupervisor() { stop(); }

void ServiceSupervisor::check(SupervisorClock::time_point now) {
  Progress p = probes_.progress();
  if (options_.stall_output_after && now - start_ >= *options_.stall_output_after) p.output_cycles = last_.output_cycles;
  const bool output = p.output_cycles != last_.output_cycles;
  const bool inference = p.inference_ticks != last_.inference_ticks;
  const auto since_ms = static_cast<long long>(duration_cast<milliseconds>(options_.watchdog / 2).count());
  if (!output && !output_stalled_)
    log::warning("watchdog: the output path (JACK process callback or ALSA clock) has not run in %lld ms; "
                 "no WATCHDOG=1 until it does",
                 since_ms);
  if (!inference && !inference_stalled_)
    log::warning("watchdog: the inference thread has not ticked in %lld ms; no WATCHDOG=1 until it does", since_ms);
  if (output && output_stalled_) log::notice("watchdog: the output path runs again");
  if (inference && inference_stalled_) log::notice("watchdog: the inference thread ticks again");
  output_stalled_ = !output;
  inference_stalled_ = !inference;
  last_ = p;
  if (output && inference) {
    sink_.notify(std::string(kWatchdogMessage));
    ++pings_;
  }
}

SupervisorClock::time_point ServiceSupervisor::poll(SupervisorClock::time_point now) {
  const auto half = duration_cast<SupervisorClock::duration>(options_.watchdog / 2);
  if (options_.watchdog.count() > 0 && now >= next_check_) {
    check(now);
    next_check_ += half;
    if (next_check_ <= now) next_check_ = now + half;  // slept through checks: do not burst
  }
  if (now >= next_status_) {
    ServiceStatus s = probes_.status();
    s.output_stalled = output_stalled_;
    s.inference_stalled = inference_stalled_;
    sink_.notify(status_message(s));
    next_status_ += options_.status_every;
    if (next_status_ <= now) next_status_ = now + options_.status_every;
  }
  return options_.watchdog.count() > 0 ? std::min(next_check_, next_status_) : next_status_;
}

void ServiceSupervisor::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void ServiceSupervisor::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ServiceSupervisor::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    const auto next = poll(SupervisorClock::now());
    lock.lock();
    wake_.wait_until(lock, next, [this] { return stopping_; });
  }
}

}  // namespace clara::daemon
