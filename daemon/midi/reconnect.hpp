#pragma once
// The pieces of a backend's watcher thread (not real-time): a loop that wakes on absolute
// deadlines, and the back-off between attempts to re-open a client while its server is away.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

namespace clara::daemon {

// Waits between attempts: 50 ms, doubling, at most 250 ms, so a server that returns is found
// within a quarter of a second (plus the open itself) however long it was gone; a failed attempt
// is one refused socket connection.
class Backoff {
 public:
  static constexpr std::chrono::milliseconds kFirst{50}, kMax{250};
  std::chrono::milliseconds next() {
    const auto d = current_;
    current_ = std::min(current_ * 2, kMax);
    return d;
  }
  void reset() { current_ = kFirst; }

 private:
  std::chrono::milliseconds current_ = kFirst;
};

// Calls tick() every `period` on its own thread until stop(); tick() returns the time to wait
// before the next call (normally `period`; longer while backing off).
class WatchThread {
 public:
  using Tick = std::function<std::chrono::milliseconds()>;
  ~WatchThread() { stop(); }
  void start(Tick tick) {
    if (running_.exchange(true)) return;
    thread_ = std::thread([this, tick = std::move(tick)] {
      using clock = std::chrono::steady_clock;
      auto deadline = clock::now();
      while (running_.load(std::memory_order_acquire)) {
        const auto wait = tick();
        deadline += wait;
        const auto now = clock::now();
        if (deadline < now) deadline = now;  // a long tick: no catching up
        // Sleeps in short slices so that stop() is answered within a few ms.
        while (running_.load(std::memory_order_acquire) && clock::now() < deadline)
          std::this_thread::sleep_until(std::min(deadline, clock::now() + std::chrono::milliseconds(10)));
      }
    });
  }
  void stop() {
    if (running_.exchange(false) && thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace clara::daemon
