#pragma once
// What a session played, as it was played: the human's messages, Clara's per instrument and
// the tempo changes, on the backend clock. Turned into a Score (type-1 SMF layout: the
// human's track, then one track per Clara instrument, channel and program) whenever session.mid is written.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/midi/score.hpp"
#include "core/midi/timed_message.hpp"

namespace clara::daemon {

struct RecordedTrack {
  std::string name;
  int program = 0;
  std::vector<TimedMessage> messages;
};

// One of Clara's messages with the instrument track it belongs to.
struct ClaraMessage {
  std::string instrument;
  int program = 0;
  TimedMessage message;
};

class SessionTracks {
 public:
  // `origin_ns` is the session's time zero, at `bpm`.
  SessionTracks(std::int64_t origin_ns, double bpm);

  void human(const TimedMessage& m);
  // `program`: the route's program (-1: none, recorded as 0), for a channel this instrument has not
  // used yet; a program change message among Clara's changes it. A track is made per instrument,
  // channel and program on first use.
  void clara(const std::string& instrument, int program, const TimedMessage& m);
  void tempo(std::int64_t time_ns, double bpm);

  std::size_t human_count() const { return human_.messages.size(); }
  std::size_t clara_count() const;

  // Note-ons pair with note-offs first-in first-out per channel and key; notes still open
  // end at `end_ns`.
  Score score(std::int64_t end_ns) const;

 private:
  double quarters_at(std::int64_t time_ns) const;
  std::int64_t origin_ns_;
  std::vector<std::pair<std::int64_t, double>> tempo_;  // (time, bpm), first at origin
  RecordedTrack human_;
  struct ClaraTrack {
    std::string instrument;
    int channel = 0;
    RecordedTrack track;
  };
  struct ChannelProgram {
    std::string instrument;
    int channel = 0;
    int program = 0;
  };
  std::vector<ClaraTrack> clara_;
  std::vector<ChannelProgram> programs_;  // the program each instrument's channel has now
};

}  // namespace clara::daemon
