#pragma once
// clarad's figures at exit, as JSON (--stats-file): what the benches and
// `clara demo` read back.
#include <cstdint>
#include <filesystem>
#include <vector>

#include "core/duet/duet_engine.hpp"
#include "daemon/midi/midi_backend.hpp"

namespace clara::daemon {

struct RunFigures {
  double startup_ms = 0;
  long peak_rss_kb = -1;
  std::vector<std::int64_t> reactions_ns;  // one per answer, in order
  OutputStats output;
  DuetStats duet;
  std::filesystem::path session;           // empty when none was written
};

std::string stats_json(const RunFigures& figures);
// Throws std::runtime_error naming the file when it cannot be written.
void write_stats_file(const std::filesystem::path& file, const RunFigures& figures);

}  // namespace clara::daemon
