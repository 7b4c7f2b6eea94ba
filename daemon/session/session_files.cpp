#include "daemon/session/session_files.hpp"

#include <fstream>

#include "core/duet/session_log.hpp"

namespace clara::daemon {
namespace {

SessionLog log_header(const DuetEngine& engine, const SessionSource& source) {
  SessionLog log;
  log.model_name = source.model_name;
  log.model_sha256 = source.model_sha256;
  log.precision = source.precision;
  log.spec = source.spec;
  log.config = engine.config();
  log.origin_ns = source.origin_ns;
  return log;
}

void write_tokens(const std::filesystem::path& session, const DuetEngine& engine, const Vocabulary& vocab) {
  std::ofstream tokens(session / "tokens.txt");
  for (std::size_t i = 0; i < engine.committed_tokens().size(); ++i)
    tokens << (i ? " " : "") << vocab.token(engine.committed_tokens()[i]);
  tokens << "\n";
  if (!tokens) throw std::runtime_error((session / "tokens.txt").string() + ": cannot write");
}

}  // namespace

std::filesystem::path start_session(const std::filesystem::path& root, SessionRecorder& recorder,
                                    const DuetEngine& engine, const SessionSource& source, LiveSessionOptions options) {
  const std::filesystem::path session = make_session_folder(root);
  recorder.start_live(session, session_log_header(log_header(engine, source)), options);
  return session;
}

void finish_session(const std::filesystem::path& folder, SessionRecorder& recorder, const DuetEngine& engine,
                    const Vocabulary& vocab, std::int64_t end_ns) {
  recorder.finish(engine, end_ns);
  write_tokens(folder, engine, vocab);
}

std::filesystem::path write_session(const std::filesystem::path& root, const SessionRecorder& recorder,
                                    const DuetEngine& engine, const Vocabulary& vocab, const SessionSource& source) {
  const std::filesystem::path session = make_session_folder(root);
  recorder.write_midi(session / "session.mid", source.end_ns);
  SessionLog log = log_header(engine, source);
  log.inputs = engine.log();
  log.end_step = engine.frontier();
  log.committed_tokens = engine.committed_tokens().size();
  write_session_log(session / "replay.log", log);
  write_tokens(session, engine, vocab);
  return session;
}

}  // namespace clara::daemon
