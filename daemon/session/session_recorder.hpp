#pragma once
// What a session leaves behind: a type-1 SMF (tempo track, the human's track,
// one track per Clara instrument), the replay log and Clara's committed tokens,
// in a folder of its own. The inference thread feeds it; nothing here runs on a
// real-time path.
//
// Live files (start_live): session.mid and replay.log are written while the session plays,
// every `flush_interval_ns` (2 s) of the clock tick() is given, by a writer thread
// (session_writer.hpp), so a crash or a power cut loses at most that much. Without them the
// recorder only keeps the session in memory and write_midi() writes it at the end.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/duet/duet_engine.hpp"
#include "core/midi/timed_message.hpp"
#include "daemon/session/session_tracks.hpp"

namespace clara::daemon {

class SessionWriter;

struct LiveSessionOptions {
  std::int64_t flush_interval_ns = 2'000'000'000;
};

class SessionRecorder {
 public:
  // Times are on the backend clock; `origin_ns` is the session's time zero.
  SessionRecorder(std::int64_t origin_ns, double bpm);
  // Without finish(), as after a crash: what was handed to the writer is written, nothing more.
  ~SessionRecorder();

  // The inference thread.
  void human(const TimedMessage& m);
  // Clara's messages, per instrument track (created on first use).
  void clara(const std::string& instrument, int program, const TimedMessage& m);
  void tempo(std::int64_t time_ns, double bpm);

  std::size_t human_count() const { return tracks_.human_count(); }
  std::size_t clara_count() const { return tracks_.clara_count(); }
  // How many of the engine's inputs have been handed to the writer: those are on their way to
  // replay.log as they are, so the engine must not replace them (DuetEngine::seal_log).
  std::size_t inputs_handed() const { return inputs_sent_; }

  // Writes `file` (notes still open at the end are closed at `end_ns`), replacing it atomically.
  // Throws std::runtime_error naming the file when it cannot be written.
  void write_midi(const std::filesystem::path& file, std::int64_t end_ns) const;

  // Starts the live files in `folder` (which exists): replay.log's header (from
  // session_log_header) is on the disk when this returns. Call once, before anything is
  // recorded (std::logic_error otherwise). Throws std::runtime_error naming the file.
  void start_live(const std::filesystem::path& folder, const std::string& log_header, LiveSessionOptions options = {});
  bool live() const { return writer_ != nullptr; }

  // The inference thread, every time it wakes (cheap when no flush is due; never does I/O):
  // once `now_ns` is flush_interval_ns past the last flush (and at the first call), hands
  // the messages recorded since, the engine inputs logged since (`inputs` is the engine's
  // whole log) and a checkpoint (frontier, committed token count) to the writer thread.
  // A no-op without live files.
  void tick(std::span<const DuetInput> inputs, std::int64_t frontier, std::size_t committed_tokens, std::int64_t now_ns);
  void tick(const DuetEngine& engine, std::int64_t now_ns);

  // After the inference thread has stopped: the last batch, `end <frontier> tokens <n>`,
  // session.mid closed at `end_ns`; waits for the writer and stops it. Throws
  // std::runtime_error with the first write error of the session, if any.
  void finish(std::span<const DuetInput> inputs, std::int64_t frontier, std::size_t committed_tokens, std::int64_t end_ns);
  void finish(const DuetEngine& engine, std::int64_t end_ns);

  // Waits until everything handed to the writer is on the disk (tests; finish()).
  void sync();
  // The first write error so far (the session plays on; writing goes on being tried).
  std::optional<std::string> write_error() const;

 private:
  void hand_over(std::span<const DuetInput> inputs, std::string tail, std::int64_t end_ns);

  SessionTracks tracks_;
  std::int64_t origin_ns_;
  double bpm_;
  std::size_t tempo_changes_ = 0;
  // Live only: what the writer does not have yet.
  std::size_t inputs_sent_ = 0;  // into the engine's log
  std::vector<ClaraMessage> clara_unsent_;
  std::vector<TimedMessage> human_unsent_;
  std::vector<std::pair<std::int64_t, double>> tempo_unsent_;
  LiveSessionOptions options_;
  std::optional<std::int64_t> last_flush_ns_;
  std::unique_ptr<SessionWriter> writer_;
};

// A new folder under `root` named after the local date and time (and a counter
// when two sessions start in the same second).
std::filesystem::path make_session_folder(const std::filesystem::path& root);

}  // namespace clara::daemon
