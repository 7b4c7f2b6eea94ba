#include "daemon/session/live_session.hpp"

#include <exception>

#include "daemon/log/logger.hpp"

namespace clara::daemon {

LiveSession open_live_session(bool record, const std::filesystem::path& root, double bpm, const DuetEngine& engine,
                              const SessionSource& source) {
  LiveSession session;
  if (!record) return session;
  session.recorder = std::make_unique<SessionRecorder>(source.origin_ns, bpm);
  try {
    session.folder = start_session(root, *session.recorder, engine, source);
  } catch (const std::exception& e) {
    log::error("cannot start the session files, not recording: %s", e.what());
    session.recorder.reset();
  }
  return session;
}

bool close_live_session(LiveSession& session, const DuetEngine& engine, const Vocabulary& vocab, std::int64_t end_ns,
                        std::filesystem::path& written) {
  if (!session.recorder) return true;
  try {
    finish_session(session.folder, *session.recorder, engine, vocab, end_ns);
  } catch (const std::exception& e) {
    log::error("could not write the session: %s", e.what());
    return false;
  }
  written = session.folder;
  log::notice("session written to %s", written.c_str());
  return true;
}

}  // namespace clara::daemon
