#pragma once
// A session's folder: session.mid (what was played), replay.log (what
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
  std::string precision = "fp32";  // the step's arithmetic as chosen at load: "fp32" or "int8"
};

// At start, after engine.start() and before the inference thread: makes a new folder under
// `root` and starts the recorder's live files there (replay.log's header is on the disk when
// this returns; session.mid follows within the first flush). Returns the folder. Throws
// std::exception naming the file on failure.
std::filesystem::path start_session(const std::filesystem::path& root, SessionRecorder& recorder,
                                    const DuetEngine& engine, const SessionSource& source,
                                    LiveSessionOptions options = {});
// At exit, after the inference thread has stopped: the end of replay.log, the last session.mid
// (notes still open end at `end_ns`) and tokens.txt. Throws the session's first write error.
void finish_session(const std::filesystem::path& folder, SessionRecorder& recorder, const DuetEngine& engine,
                    const Vocabulary& vocab, std::int64_t end_ns);

// Everything at once at exit, for a recorder without live files: makes a new folder under
// `root` and writes the three files; returns the folder. Throws std::exception naming the file.
std::filesystem::path write_session(const std::filesystem::path& root, const SessionRecorder& recorder,
                                    const DuetEngine& engine, const Vocabulary& vocab, const SessionSource& source);

}  // namespace clara::daemon
