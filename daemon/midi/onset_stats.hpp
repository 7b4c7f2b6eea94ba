#pragma once
// How well OutputScheduler keeps time: messages written, how many late and by how much,
// and the onset error |written - due| as a fixed histogram, so that a p99 can be read
// from any thread while the real-time thread records without allocating or locking.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "daemon/midi/midi_backend.hpp"

namespace clara::daemon {

// Why a message went out after its due time, so that a late event can be traced to the side
// that caused it: the inference thread committed it after the cycle (or tick) that should have
// written it had already run, or it was in time and the real-time side was late (an xrun, a
// missed JACK cycle, a clock tick that woke late), or its first write failed on a full port
// buffer and it went out on a retry.
enum class LateCause : std::uint8_t { none, commit, cycle, retry };

class OnsetStats {
 public:
  // Onset errors are binned per microsecond up to this bound; beyond it they
  // fall in the last bin (the exact maximum is kept separately).
  static constexpr std::size_t kHistogramBins = 4096;

  // The one real-time thread that writes output.
  // realtime-safe
  void record(std::int64_t due_ns, std::int64_t written_ns, LateCause late);

  // Any thread: sets messages, late (and its causes), max_late_ns, onset_error_p99_ns and
  // onset_error_max_ns of `s`, leaving the rest as they are.
  void fill(OutputStats& s) const;

 private:
  std::atomic<std::uint64_t> messages_{0}, late_{0}, late_commit_{0}, late_cycle_{0}, late_retry_{0};
  std::atomic<std::int64_t> max_late_ns_{0}, onset_max_ns_{0};
  std::array<std::atomic<std::uint64_t>, kHistogramBins> histogram_{};
};

}  // namespace clara::daemon
