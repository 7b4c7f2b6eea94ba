#pragma once
// The signals clarad acts on: INT, TERM and QUIT stop it, HUP reloads its config file.
// Every thread inherits the mask set here, so only wait() sees them and no real-time
// thread is ever interrupted by one.
#include <chrono>
#include <functional>

namespace clara::daemon {

class StopSignals {
 public:
  // Restores default dispositions for INT, TERM, HUP and QUIT (a script that started
  // us may have left them ignored), ignores SIGPIPE (a closed log pipe must not kill
  // a daemon with notes sounding), and blocks the four for sigtimedwait.
  StopSignals();
  // The signal that arrived within `timeout`, or 0.
  int wait(std::chrono::milliseconds timeout) const;
};

// Whether `signal` (from wait()) asks for a reload rather than a stop: SIGHUP.
bool is_reload_signal(int signal);

// The main thread while clarad plays: waits for INT, TERM or QUIT (returns 0), runs `reload` on
// each HUP, and gives up with 69 once `midi_lost()` says the MIDI server is gone for good (it is
// asked every 100 ms).
int wait_for_stop(const StopSignals& signals, const std::function<void()>& reload,
                  const std::function<bool()>& midi_lost);

}  // namespace clara::daemon
