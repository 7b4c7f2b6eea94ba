#include "daemon/session/stats_file.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace clara::daemon {

std::string stats_json(const RunFigures& f) {
  auto ms = [](std::int64_t ns) { return static_cast<double>(ns) / 1e6; };
  auto us = [](std::int64_t ns) { return static_cast<double>(ns) / 1e3; };
  nlohmann::json reactions = nlohmann::json::array();
  for (auto r : f.reactions_ns) reactions.push_back(ms(r));
  const auto max_reaction = std::max_element(f.reactions_ns.begin(), f.reactions_ns.end());
  nlohmann::json j = {
      {"startup_ms", f.startup_ms},
      {"peak_rss_kb", f.peak_rss_kb},
      {"reactions_ms", reactions},
      {"reaction_max_ms", max_reaction == f.reactions_ns.end() ? -1.0 : ms(*max_reaction)},
      {"output_messages", f.output.messages},
      {"late", f.output.late},
      {"late_commit", f.output.late_commit},
      {"late_cycle", f.output.late_cycle},
      {"late_retry", f.output.late_retry},
      {"max_late_us", us(f.output.max_late_ns)},
      {"onset_error_p99_us", us(f.output.onset_error_p99_ns)},
      {"onset_error_max_us", us(f.output.onset_error_max_ns)},
      {"output_latency_us", us(f.output.output_latency_ns)},
      {"input_latency_us", us(f.output.input_latency_ns)},
      {"dropped", f.output.dropped},
      {"input_messages", f.output.input_messages},
      {"input_dropped", f.output.input_dropped},
      {"refused_note_ons", f.output.refused_note_ons},
      {"retried_note_offs", f.output.retried_note_offs},
      {"write_failed", f.output.write_failed},
      {"stalls", f.duet.stalls},
      {"stalled_ms", ms(f.duet.stalled_ns)},
      {"tokens_committed", f.duet.tokens_committed},
      {"tokens_generated", f.duet.tokens_generated},
      {"rollbacks", f.duet.rollbacks},
      {"answers", f.duet.answers},
      {"phrases_ranked", f.duet.phrases_ranked},
      {"ranking_fallbacks", f.duet.ranking_fallbacks},
      {"last_phrase_human", f.duet.last_phrase_human},
      {"session", f.session.string()},
  };
  return j.dump() + "\n";
}

void write_stats_file(const std::filesystem::path& file, const RunFigures& figures) {
  std::ofstream out(file);
  out << stats_json(figures);
  if (!out) throw std::runtime_error(file.string() + ": cannot write the stats file");
}

}  // namespace clara::daemon
