#include "daemon/session/session_tracks.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <string>

namespace clara::daemon {

SessionTracks::SessionTracks(std::int64_t origin_ns, double bpm) : origin_ns_(origin_ns) {
  tempo_.emplace_back(origin_ns, bpm);
  human_.name = "Human";
}

void SessionTracks::human(const TimedMessage& m) { human_.messages.push_back(m); }

// One track per instrument, channel and program, so that session.mid plays each of Clara's notes
// with the sound it had: a route change (/clara/route, a new instrument) that moves her to another
// channel or program starts a new track, and a note-off that was held back by a full queue and
// sent after the change still lands in the track of its note-on.
void SessionTracks::clara(const std::string& instrument, int program, const TimedMessage& m) {
  const int channel = m.msg.channel();
  auto current = std::find_if(programs_.begin(), programs_.end(), [&](const ChannelProgram& c) {
    return c.instrument == instrument && c.channel == channel;
  });
  if (current == programs_.end()) {
    programs_.push_back({instrument, channel, std::max(program, 0)});
    current = programs_.end() - 1;
  }
  if (m.msg.type() == 0xC0) current->program = m.msg.data1;
  auto track = std::find_if(clara_.begin(), clara_.end(), [&](const ClaraTrack& t) {
    return t.instrument == instrument && t.channel == channel && t.track.program == current->program;
  });
  if (track == clara_.end()) {
    const bool first = std::none_of(clara_.begin(), clara_.end(), [&](const ClaraTrack& t) { return t.instrument == instrument; });
    ClaraTrack t{instrument, channel, {}};
    t.track.name = "Clara " + instrument;
    if (!first)
      t.track.name += " (channel " + std::to_string(channel + 1) + ", program " + std::to_string(current->program) + ")";
    t.track.program = current->program;
    clara_.push_back(std::move(t));
    track = clara_.end() - 1;
  }
  track->track.messages.push_back(m);
}

void SessionTracks::tempo(std::int64_t time_ns, double bpm) { tempo_.emplace_back(time_ns, bpm); }

std::size_t SessionTracks::clara_count() const {
  std::size_t n = 0;
  for (const auto& t : clara_) n += t.track.messages.size();
  return n;
}

double SessionTracks::quarters_at(std::int64_t t) const {
  double q = 0;
  for (std::size_t i = 0; i < tempo_.size(); ++i) {
    const std::int64_t from = tempo_[i].first;
    const std::int64_t to = i + 1 < tempo_.size() ? tempo_[i + 1].first : INT64_MAX;
    if (t <= from) break;
    const std::int64_t upto = std::min(t, to);
    q += static_cast<double>(upto - from) * 1e-9 * tempo_[i].second / 60.0;
  }
  return q;
}

namespace {

// Pairs note-ons with note-offs first-in first-out per (channel, key), as MIDI
// readers do; sustain is left to the pedal the player used (not recorded as notes).
Part to_part(const RecordedTrack& t, std::int64_t end_ns, const auto& quarters) {
  Part p;
  p.name = t.name;
  p.program = t.program;
  // A deque, so a key with many stacked notes pairs in linear time.
  std::map<int, std::deque<std::pair<std::int64_t, int>>> open;  // (ch<<8|key) -> (on time, velocity)
  bool channel_set = false;
  for (const auto& m : t.messages) {
    const int key = (m.msg.channel() << 8) | m.msg.data1;
    if (m.msg.is_note_on()) {
      if (!channel_set) p.channel = m.msg.channel(), channel_set = true;
      open[key].emplace_back(m.time_ns, m.msg.data2);
    } else if (m.msg.is_note_off()) {
      auto it = open.find(key);
      if (it == open.end() || it->second.empty()) continue;
      const auto [on, vel] = it->second.front();
      it->second.pop_front();
      p.notes.push_back(Note{m.msg.data1, quarters(on), quarters(std::max(on, m.time_ns)), vel});
    }
  }
  for (const auto& [key, ons] : open)
    for (const auto& [on, vel] : ons) p.notes.push_back(Note{key & 0x7F, quarters(on), quarters(std::max(on, end_ns)), vel});
  std::sort(p.notes.begin(), p.notes.end(),
            [](const Note& a, const Note& b) { return a.start != b.start ? a.start < b.start : a.pitch < b.pitch; });
  return p;
}

}  // namespace

Score SessionTracks::score(std::int64_t end_ns) const {
  Score score;
  auto q = [this](std::int64_t t) { return quarters_at(t); };
  score.parts.push_back(to_part(human_, end_ns, q));
  for (const auto& t : clara_) score.parts.push_back(to_part(t.track, end_ns, q));
  for (std::size_t i = 0; i < score.parts.size(); ++i) score.parts[i].track = static_cast<int>(i + 1);
  score.tempo_map.clear();
  for (const auto& [t, bpm] : tempo_) score.tempo_map.push_back(TempoChange{quarters_at(t), bpm});
  return score;
}

}  // namespace clara::daemon
