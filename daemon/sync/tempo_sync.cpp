#include "daemon/sync/tempo_sync.hpp"

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

std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

TempoSync::TempoSync(std::string source, std::function<void(const SyncStatus&)> report, const MidiClockConfig& clock,
                     const ClockSteeringConfig& steering)
    : source_(std::move(source)), report_(std::move(report)), clock_config_(clock), clock_(clock), steering_(steering),
      join_link_([](double bpm) { return join_link_session(bpm, monotonic_ns); }) {
  if (auto why = tempo_source_refusal(source_)) throw std::invalid_argument(*why);
  status_.source = source_;
}

bool TempoSync::input(const TimedMessage& m) {
  if (!MidiClock::is_clock_message(m.msg)) {
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
  if (source_ != "midi-clock" && source_ != "link") return;
  const int sf = engine.spec().sample_freq;
  const std::int64_t f = engine.frontier();
  const std::int64_t f_ns = engine.time_of_step(f);
  const double step_ns = static_cast<double>(engine.time_of_step(f + 1) - f_ns);
  const ClockGrid grid{f, f_ns, 60e9 / (sf * step_ns), sf, engine.config().beats_per_bar};
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
  SyncStatus now{source_, aligned, source_ == "link" ? link_state_.bpm : clock_.bpm()};
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
