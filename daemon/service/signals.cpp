#include "daemon/service/signals.hpp"

#include <pthread.h>
#include <signal.h>

#include "daemon/log/logger.hpp"

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

int wait_for_stop(const StopSignals& signals, const std::function<void()>& reload,
                  const std::function<bool()>& midi_lost) {
  for (;;) {
    const int sig = signals.wait(std::chrono::milliseconds(100));
    if (sig && is_reload_signal(sig)) {
      reload();
    } else if (sig) {
      return 0;
    } else if (midi_lost()) {
      log::error("the MIDI server went away; stopping");
      return 69;
    }
  }
}

}  // namespace clara::daemon
