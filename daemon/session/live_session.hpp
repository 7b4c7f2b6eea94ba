#pragma once
// The session as clarad records it: files started when the duet starts and
// written as it plays (a crash loses at most the last flush), finished at stop.
// A session that cannot be written is reported and the duet plays on without it.
#include <filesystem>
#include <memory>

#include "daemon/session/session_files.hpp"
#include "daemon/session/session_recorder.hpp"

namespace clara::daemon {

struct LiveSession {
  std::unique_ptr<SessionRecorder> recorder;  // null: not recording
  std::filesystem::path folder;
};

// After engine.start(); nothing is recorded when `record` is false or the folder cannot be made.
LiveSession open_live_session(bool record, const std::filesystem::path& root, double bpm, const DuetEngine& engine,
                              const SessionSource& source);
// After the inference thread stopped. False (logged) when a file could not be written;
// `written` is the folder when the session was written.
bool close_live_session(LiveSession& session, const DuetEngine& engine, const Vocabulary& vocab, std::int64_t end_ns,
                        std::filesystem::path& written);

}  // namespace clara::daemon
