#include "daemon/sync/tempo_sync.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <stdexcept>
#include <utility>

#include "core/tempo/linear_timeline.hpp"
#include "daemon/config/sync_settings.hpp"
#include "daemon/log/logger.hpp"

namespace clara::daemon {
namespace {

// The master's tempo is reported when it moved by this much (a status push per clock tick
// would flood subscribers) or when locked/source change.
constexpr double kReportBpmStep = 0.1;

// The grid's tempo at step f: its step's length, as the engine's tempo map has it.
double grid_bpm_at(const DuetEngine& engine, std::int64_t f) {
  const double step_ns = static_cast<double>(engine.time_of_step(f + 1) - engine.time_of_step(f));
  return 60e9 / (engine.spec().sample_freq * step_ns);
}

std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

TempoSync::TempoSync(std::string source, std::function<void(const SyncStatus&)> report, const MidiClockConfig& clock,
                     const ClockSteeringConfig& steering, const BeatTrackerConfig& tracker,
                     const TempoFollowerConfig& follower)
    : source_(std::move(source)),
      report_(std::move(report)),
      clock_config_(clock),
      clock_(clock),
      steering_(steering),
      tracker_config_((tracker.validate(), tracker)),
      follower_config_(follower),
      follower_(follower),
      join_link_([](double bpm) { return join_link_session(bpm, monotonic_ns); }) {
  if (auto why = tempo_source_refusal(source_)) throw std::invalid_argument(*why);
  status_.source = source_;
}

bool TempoSync::input(const TimedMessage& m) {
  if (!MidiClock::is_clock_message(m.msg)) {
    if (source_ == "follow" && m.msg.is_note_on()) {
      if (!tracker_) {
        // The human's first note: the beat starts here, at the grid's tempo (within the
        // tracker's range), and the onsets to come correct both.
        BeatTrackerConfig c = tracker_config_;
        c.bpm = std::clamp(grid_bpm_, c.min_bpm, c.max_bpm);
        c.beat0_ns = m.time_ns;
        tracker_.emplace(c);
      }
      tracker_->onset(m.time_ns, m.msg.data2);
    }
    // Other system messages are not the human's playing either (the backends pass only
    // channel messages and these).
    return m.msg.status >= 0xF0;
  }
  if (source_ == "midi-clock") on_event(clock_.message(m.msg, m.time_ns));
  return true;
}

void TempoSync::on_event(ClockEvent e) {
  switch (e) {
    case ClockEvent::started:
    case ClockEvent::continued:
      steering_.realign();  // bar lines anew: the master's position jumped
      log::info("midi clock: %s at %.2f bpm", to_string(e), clock_.bpm());
      break;
    case ClockEvent::stopped:
    case ClockEvent::lost:
      // Silence now, not after the commit horizon: notes queued for after the master's
      // Stop must not sound.
      panic_pending_ = true;
      log::info("midi clock: %s", to_string(e));
      break;
    case ClockEvent::position:
    case ClockEvent::none: break;
  }
}

void TempoSync::tick(const DuetEngine& engine, std::int64_t now_ns, std::vector<ControlCommand>& commands) {
  // Kept for any source: a switch to follow starts the human's tracker from it.
  grid_bpm_ = grid_bpm_at(engine, engine.frontier());
  if (source_ == "follow") {
    follow(engine, now_ns, commands);
    return;
  }
  if (source_ != "midi-clock" && source_ != "link") return;
  const int sf = engine.spec().sample_freq;
  const std::int64_t f = engine.frontier();
  const ClockGrid grid{f, engine.time_of_step(f), grid_bpm_, sf, engine.config().beats_per_bar};
  const bool aligned = source_ == "link" ? tick_link(grid, now_ns, commands) : tick_clock(grid, now_ns, commands);
  if (panic_pending_) {
    commands.push_back(Panic{});
    panic_pending_ = false;
  }
  if (!aligned && !held_) {
    commands.push_back(StopPlaying{});  // her notes end; she waits for the master
    held_ = true;
  } else if (aligned && held_) {
    commands.push_back(StartPlaying{});
    held_ = false;
  }
  update_status({source_, aligned, source_ == "link" ? link_state_.bpm : clock_.bpm()});
}

void TempoSync::follow(const DuetEngine& engine, std::int64_t now_ns, std::vector<ControlCommand>& commands) {
  const std::int64_t f = engine.frontier();
  if (!tracker_) return;  // not a note yet: the grid keeps its tempo
  const BeatPrediction human = tracker_->predict(now_ns);
  const GridState grid{engine.time_of_step(f), static_cast<double>(f) / engine.spec().sample_freq, grid_bpm_};
  if (auto bpm = follower_.update(human, grid)) commands.push_back(SetTempo{*bpm});
  if (human.locked != status_.locked)
    log::info("follow: %s at %.2f bpm", human.locked ? "locked on the human's beat" : "lost the human's beat",
              human.bpm);
  update_status({source_, human.locked, human.bpm});
}

void TempoSync::update_status(const SyncStatus& now) {
  ++quiet_ticks_;
  if (now.locked != status_.locked || now.source != status_.source ||
      (std::abs(now.master_bpm - status_.master_bpm) >= kReportBpmStep && quiet_ticks_ >= 250)) {
    status_ = now;
    publish();
  }
}

bool TempoSync::tick_clock(const ClockGrid& grid, std::int64_t now_ns, std::vector<ControlCommand>& commands) {
  on_event(clock_.poll(now_ns));
  if (clock_.locked() && clock_.running()) {
    if (auto bpm = steering_.update(clock_, grid)) commands.push_back(SetTempo{*bpm});
  }
  return clock_.locked() && clock_.running() && steering_.aligned(grid.frontier);
}

bool TempoSync::tick_link(const ClockGrid& grid, std::int64_t now_ns, std::vector<ControlCommand>& commands) {
  if (!link_) {
    // Joining takes Link's threads up and may block briefly: this thread may (the JACK
    // callback never comes here). Alone, Clara starts the session at her grid's tempo.
    link_ = join_link_(grid.bpm);
    link_state_ = LinkState{};
    log::notice("link: joined the session (quantum %d beats; starting at %.2f bpm when alone)", grid.beats_per_bar,
                grid.bpm);
    if (link_proposal_ > 0) {
      link_->propose_tempo(link_proposal_, now_ns);
      link_proposal_ = 0;
    }
  }
  const bool was_playing = link_state_.playing;
  const std::size_t had_peers = link_state_.peers;
  link_state_ = link_->capture(now_ns, grid.beats_per_bar);
  if (link_state_.peers != had_peers)
    log::info("link: %zu other peer(s) in the session (%.2f bpm, %s)", link_state_.peers, link_state_.bpm,
              link_state_.playing ? "playing" : "stopped");
  if (link_state_.playing && !was_playing) {
    steering_.realign();  // bar lines anew: the session's transport started
    log::info("link: start at %.2f bpm", link_state_.bpm);
  } else if (!link_state_.playing && was_playing) {
    panic_pending_ = true;  // as at a MIDI Clock Stop: nothing queued may sound after it
    log::info("link: stop");
  }
  if (!link_state_.playing || !(link_state_.bpm > 0)) return false;
  const LinearTimeline session(link_state_.bpm, link_state_.beat, link_state_.time_ns);
  if (auto bpm = steering_.update(session, grid)) commands.push_back(SetTempo{*bpm});
  return steering_.aligned(grid.frontier);
}

bool TempoSync::propose_tempo(double bpm, std::int64_t now_ns) {
  if (source_ != "link") return false;
  if (link_) {
    link_->propose_tempo(bpm, now_ns);
  } else {
    link_proposal_ = bpm;  // joined at the next tick, then proposed
  }
  log::info("link: proposed %.2f bpm to the session", bpm);
  return true;
}

void TempoSync::switch_to(const std::string& source, std::int64_t, std::vector<ControlCommand>& commands) {
  if (source == source_) return;
  if (auto why = tempo_source_refusal(source)) {
    log::warning("sync refused: %s", why->c_str());
    return;
  }
  log::notice("tempo source: %s (was %s)", source.c_str(), source_.c_str());
  source_ = source;
  clock_ = MidiClock(clock_config_);  // a master met before is met afresh
  steering_.realign();
  tracker_.reset();  // so is the human's tempo: it starts again from the grid's
  follower_ = TempoFollower(follower_config_);
  if (source_ != "link" && link_) {
    link_.reset();  // leaves the session: Link's threads end, its sockets close
    link_state_ = LinkState{};
    log::notice("link: left the session");
  }
  if (held_ && source_ != "midi-clock" && source_ != "link") {
    commands.push_back(StartPlaying{});  // she plays on at the last tempo
    held_ = false;
  }
  status_ = SyncStatus{source_, false, 0};
  publish();
}

void TempoSync::publish() {
  quiet_ticks_ = 0;
  if (report_) report_(status_);
}

}  // namespace clara::daemon
