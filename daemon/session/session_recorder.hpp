#pragma once
// What a session leaves behind: a type-1 SMF (tempo track, the human's track,
// one track per Clara instrument), the replay log and Clara's committed tokens,
// in a folder of its own. The inference thread feeds it; nothing here runs on a
// real-time path.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/midi/timed_message.hpp"

namespace clara::daemon {

struct RecordedTrack {
  std::string name;
  int program = 0;
  std::vector<TimedMessage> messages;
};

class SessionRecorder {
 public:
  // Times are on the backend clock; `origin_ns` is the session's time zero.
  SessionRecorder(std::int64_t origin_ns, double bpm);

  void human(const TimedMessage& m);
  // Clara's messages, per instrument track (created on first use).
  void clara(const std::string& instrument, int program, const TimedMessage& m);
  void tempo(std::int64_t time_ns, double bpm);

  std::size_t human_count() const { return human_.messages.size(); }
  std::size_t clara_count() const;

  // Writes `dir`/session.mid (notes still open at the end are closed at `end_ns`).
  // Throws std::runtime_error naming the file when it cannot be written.
  void write_midi(const std::filesystem::path& file, std::int64_t end_ns) const;

 private:
  double quarters_at(std::int64_t time_ns) const;
  std::int64_t origin_ns_;
  std::vector<std::pair<std::int64_t, double>> tempo_;  // (time, bpm), first at origin
  RecordedTrack human_;
  std::vector<std::pair<std::string, RecordedTrack>> clara_;
};

// A new folder under `root` named after the local date and time (and a counter
// when two sessions start in the same second).
std::filesystem::path make_session_folder(const std::filesystem::path& root);

}  // namespace clara::daemon
