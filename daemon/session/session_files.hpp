#pragma once
// A finished session's folder: session.mid (what was played), replay.log (what
// regenerates Clara's part) and tokens.txt (the committed context).
#include <filesystem>
#include <string>

#include "core/duet/duet_engine.hpp"
#include "core/encoding/vocabulary.hpp"
#include "daemon/session/session_recorder.hpp"

namespace clara::daemon {

struct SessionSource {
  std::string model_name, model_sha256;
  EncodingSpec spec;
  std::int64_t origin_ns = 0, end_ns = 0;
};

// Makes a new folder under `root` and writes the three files; returns the folder.
// Throws std::exception naming the file on failure.
std::filesystem::path write_session(const std::filesystem::path& root, const SessionRecorder& recorder,
                                    const DuetEngine& engine, const Vocabulary& vocab, const SessionSource& source);

}  // namespace clara::daemon
