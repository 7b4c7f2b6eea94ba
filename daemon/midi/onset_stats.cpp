#include "daemon/midi/onset_stats.hpp"

#include <algorithm>

namespace clara::daemon {

void OnsetStats::record(std::int64_t due_ns, std::int64_t written_ns, LateCause late) {
  messages_.fetch_add(1, std::memory_order_relaxed);
  const std::int64_t error = written_ns >= due_ns ? written_ns - due_ns : due_ns - written_ns;
  if (late != LateCause::none) {
    late_.fetch_add(1, std::memory_order_relaxed);
    (late == LateCause::commit ? late_commit_ : late == LateCause::cycle ? late_cycle_ : late_retry_)
        .fetch_add(1, std::memory_order_relaxed);
    if (written_ns - due_ns > max_late_ns_.load(std::memory_order_relaxed))
      max_late_ns_.store(written_ns - due_ns, std::memory_order_relaxed);
  }
  if (error > onset_max_ns_.load(std::memory_order_relaxed))
    onset_max_ns_.store(error, std::memory_order_relaxed);
  const auto bin = std::min<std::size_t>(static_cast<std::size_t>(error / 1000), kHistogramBins - 1);
  // One writer: a load and a store are enough, and cheaper than a locked add.
  histogram_[bin].store(histogram_[bin].load(std::memory_order_relaxed) + 1,
                        std::memory_order_relaxed);
}

void OnsetStats::fill(OutputStats& s) const {
  s.messages = messages_.load(std::memory_order_relaxed);
  s.late = late_.load(std::memory_order_relaxed);
  s.late_commit = late_commit_.load(std::memory_order_relaxed);
  s.late_cycle = late_cycle_.load(std::memory_order_relaxed);
  s.late_retry = late_retry_.load(std::memory_order_relaxed);
  s.max_late_ns = max_late_ns_.load(std::memory_order_relaxed);
  s.onset_error_max_ns = onset_max_ns_.load(std::memory_order_relaxed);
  std::array<std::uint64_t, kHistogramBins> counts{};
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < kHistogramBins; ++i)
    total += counts[i] = histogram_[i].load(std::memory_order_relaxed);
  if (total == 0) return;
  const std::uint64_t rank = (total * 99 + 99) / 100;  // ceil(0.99 total)
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kHistogramBins; ++i) {
    seen += counts[i];
    if (seen < rank) continue;
    // The bin's upper edge: a bound, never an underestimate, except in the
    // open last bin where the true maximum is the bound.
    const auto edge = static_cast<std::int64_t>(i + 1) * 1000;
    s.onset_error_p99_ns = i + 1 == kHistogramBins ? s.onset_error_max_ns
                                                    : std::min(edge, s.onset_error_max_ns);
    break;
  }
}

}  // namespace clara::daemon
