#include "daemon/service/signals.hpp"

#include <pthread.h>
#include <signal.h>

namespace clara::daemon {
namespace {

// HUP reloads (is_reload_signal); it is waited for with the rest.
constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

sigset_t stop_set() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : kStopSignals) sigaddset(&set, s);
  return set;
}

}  // namespace

StopSignals::StopSignals() {
  for (int s : kStopSignals) signal(s, SIG_DFL);
  signal(SIGPIPE, SIG_IGN);
  const sigset_t set = stop_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int StopSignals::wait(std::chrono::milliseconds timeout) const {
  const sigset_t set = stop_set();
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count();
  timespec t{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  const int sig = sigtimedwait(&set, nullptr, &t);
  return sig > 0 ? sig : 0;
}

bool is_reload_signal(int signal) { return signal == SIGHUP; }

}  // namespace clara::daemon
