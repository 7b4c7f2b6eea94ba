#include "daemon/control/live_metrics.hpp"

#include <algorithm>
#include <cmath>

namespace clara::daemon {

namespace {

double quantile_ms(std::vector<std::int64_t> v, double q) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size()))) - 1;
  return static_cast<double>(v[std::min(i, v.size() - 1)]) / 1e6;
}

osc::Value count(std::uint64_t n) { return static_cast<std::int64_t>(n); }

}  // namespace

KeyValues live_metrics(const DuetThread& duet, const MidiBackend& backend,
                       std::chrono::steady_clock::time_point started) {
  const DuetStats st = duet.stats();
  const auto tick = duet.tick_times();
  const auto reactions = duet.reactions_ns();
  const OutputStats out = backend.stats();
  const double uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return {
      {"uptime_s", static_cast<float>(uptime)},
      {"tick_p50_us", static_cast<float>(tick.p50_us)},
      {"tick_p99_us", static_cast<float>(tick.p99_us)},
      {"tick_max_us", static_cast<float>(tick.max_us)},
      {"reaction_p50_ms", static_cast<float>(quantile_ms(reactions, 0.5))},
      {"reaction_p99_ms", static_cast<float>(quantile_ms(reactions, 0.99))},
      {"answers", count(st.answers)},
      {"tokens_committed", count(st.tokens_committed)},
      {"rollbacks", count(st.rollbacks)},
      {"stalls", count(st.stalls)},
      {"messages_out", count(out.messages)},
      {"late_events", count(out.late)},
      {"late_commit", count(out.late_commit)},
      {"late_cycle", count(out.late_cycle)},
      {"late_retry", count(out.late_retry)},
      {"max_late_ms", static_cast<float>(static_cast<double>(out.max_late_ns) / 1e6)},
      {"onset_error_p99_ms", static_cast<float>(static_cast<double>(out.onset_error_p99_ns) / 1e6)},
      {"output_latency_ms", static_cast<float>(static_cast<double>(out.output_latency_ns) / 1e6)},
      {"input_latency_ms", static_cast<float>(static_cast<double>(out.input_latency_ns) / 1e6)},
      {"dropped_output", count(out.dropped)},
      {"input_messages", count(out.input_messages)},
      {"dropped_input_events", count(out.input_dropped)},
      {"input_queue_high_water", count(out.input_queue_high_water)},
      {"input_queue_capacity", count(out.input_queue_capacity)},
      {"output_queue_high_water", count(out.output_queue_high_water)},
      {"output_queue_capacity", count(out.output_queue_capacity)},
      {"refused_note_ons", count(out.refused_note_ons + duet.refused_note_ons())},
      {"retried_note_offs", count(out.retried_note_offs + duet.retried_note_offs())},
      {"output_queue_full", count(duet.output_queue_full())},
  };
}

KeyValues ranking_metrics(const DuetThread& duet) {
  const DuetStats st = duet.stats();
  return {
      {"phrases_ranked", count(st.phrases_ranked)},
      {"ranking_fallbacks", count(st.ranking_fallbacks)},
      {"last_phrase_human", static_cast<float>(st.last_phrase_human)},
  };
}

}  // namespace clara::daemon
