#include "daemon/sync/tempo_sync.hpp"

#include <cmath>
#include <stdexcept>
#include <utility>

#include "daemon/config/sync_settings.hpp"
#include "daemon/log/logger.hpp"

namespace clara::daemon {
namespace {

// The master's tempo is reported when it moved by this much (a status push per clock tick
// would flood subscribers) or when locked/source change.
constexpr double kReportBpmStep = 0.1;

}  // namespace

TempoSync::TempoSync(std::string source, std::function<void(const SyncStatus&)> report, const MidiClockConfig& clock,
                     const ClockSteeringConfig& steering)
    : source_(std::move(source)), report_(std::move(report)), clock_config_(clock), clock_(clock), steering_(steering) {
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
  if (source_ != "midi-clock") return;
  on_event(clock_.poll(now_ns));
  const int sf = engine.spec().sample_freq;
  const std::int64_t f = engine.frontier();
  const std::int64_t f_ns = engine.time_of_step(f);
  if (clock_.locked() && clock_.running()) {
    const double step_ns = static_cast<double>(engine.time_of_step(f + 1) - f_ns);
    const ClockGrid grid{f, f_ns, 60e9 / (sf * step_ns), sf, engine.config().beats_per_bar};
    if (auto bpm = steering_.update(clock_, grid)) commands.push_back(SetTempo{*bpm});
  }
  const bool aligned = clock_.locked() && clock_.running() && steering_.aligned(f);
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
  SyncStatus now{source_, aligned, clock_.bpm()};
  ++quiet_ticks_;
  if (now.locked != status_.locked || now.source != status_.source ||
      (std::abs(now.master_bpm - status_.master_bpm) >= kReportBpmStep && quiet_ticks_ >= 250)) {
    status_ = now;
    publish();
  }
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
  if (held_ && source_ != "midi-clock") {
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
