#pragma once
// The session's files while it plays: a thread of its own rewrites session.mid (whole, atomically)
// and appends to replay.log (flushed to the disk) from batches the inference thread hands it.
// The inference thread only copies what is new into a batch and takes a mutex to queue it:
// fsync can stall for tens or hundreds of milliseconds on a busy disk, and rebuilding
// session.mid costs time in proportion to the whole session; neither may hold up the thread
// that commits Clara's notes a grid step (40 ms) before they are due.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "daemon/session/durable_file.hpp"
#include "daemon/session/session_tracks.hpp"

namespace clara::daemon {

// What is new since the last batch.
struct SessionBatch {
  std::vector<TimedMessage> human;
  std::vector<ClaraMessage> clara;
  std::vector<std::pair<std::int64_t, double>> tempo;  // (time, bpm)
  std::string log_text;      // whole lines for replay.log
  std::int64_t end_ns = 0;   // notes still sounding end here in session.mid
};

class SessionWriter {
 public:
  // Creates `folder`/replay.log with `log_header` (on the disk when this returns) and starts
  // the thread. session.mid appears with the first batch. Throws std::runtime_error naming the file.
  SessionWriter(const std::filesystem::path& folder, const std::string& log_header, std::int64_t origin_ns, double bpm);
  // Writes what it was handed, then joins.
  ~SessionWriter();
  SessionWriter(const SessionWriter&) = delete;
  SessionWriter& operator=(const SessionWriter&) = delete;

  void post(SessionBatch batch);  // any thread; returns at once
  void sync();                    // returns once every batch posted before it is written
  // The first write that failed (the session goes on; later batches are still tried).
  std::optional<std::string> error() const;

  std::filesystem::path midi_path() const { return folder_ / "session.mid"; }
  std::filesystem::path log_path() const { return folder_ / "replay.log"; }

 private:
  void run();
  void write(SessionBatch& batch);

  std::filesystem::path folder_;
  DurableAppendFile log_;
  SessionTracks tracks_;  // the writer thread's own copy of everything recorded
  bool log_broken_ = false;

  mutable std::mutex mutex_;  // guards the fields below
  std::condition_variable wake_, written_;
  std::deque<SessionBatch> queue_;
  std::uint64_t posted_ = 0, done_ = 0;
  bool stopping_ = false;
  std::optional<std::string> error_;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace clara::daemon
