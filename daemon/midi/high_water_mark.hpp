#pragma once
// The most a lock-free queue ever held, kept by its one producer and read by anyone (for
// /clara/metrics): one writer, so a relaxed load and store are enough. realtime-safe.
#include <atomic>
#include <cstddef>

namespace clara::daemon {

class HighWaterMark {
 public:
  void note(std::size_t held) {
    if (held > most_.load(std::memory_order_relaxed)) most_.store(held, std::memory_order_relaxed);
  }
  std::size_t get() const { return most_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::size_t> most_{0};
};

}  // namespace clara::daemon
