#include "core/tempo/midi_clock.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace clara {
namespace {

// Periods between two ticks from which the ticks between count as missed (see on_tick).
constexpr double kMissedTickGap = 1.7;

}  // namespace

void MidiClockConfig::validate() const {
  estimator.validate();
  auto need = [](bool ok, const char* field, const char* why) {
    if (!ok) throw std::invalid_argument(std::string("midi clock: ") + field + " " + why);
  };
  need(lock_ticks >= 2 && lock_ticks <= 24 * 16, "lock_ticks", "must be in [2, 384]");
  need(std::isfinite(hold_periods) && hold_periods >= 1.5, "hold_periods", "must be >= 1.5");
  need(std::isfinite(lost_periods) && lost_periods > hold_periods && lost_periods <= 24 * 16, "lost_periods",
       "must be above hold_periods and at most 384");
}

const char* to_string(ClockEvent e) {
  switch (e) {
    case ClockEvent::none: return "none";
    case ClockEvent::started: return "start";
    case ClockEvent::stopped: return "stop";
    case ClockEvent::continued: return "continue";
    case ClockEvent::position: return "song position";
    case ClockEvent::lost: return "lost";
  }
  return "?";
}

MidiClock::MidiClock(const MidiClockConfig& config) : config_(config), estimator_(config.estimator) {
  config_.validate();
}

bool MidiClock::is_clock_message(const ShortMessage& m) {
  return m.status == 0xF8 || m.status == 0xFA || m.status == 0xFB || m.status == 0xFC || m.status == 0xF2;
}

ClockEvent MidiClock::message(const ShortMessage& m, std::int64_t time_ns) {
  switch (m.status) {
    case 0xF8: return on_tick(time_ns);
    case 0xFA:  // the next tick is bar 1, beat 1 (also while running: the song restarts)
      pending_ = Pending::start;
      return ClockEvent::none;
    case 0xFB:
      if (!running_) pending_ = Pending::resume;
      return ClockEvent::none;
    case 0xFC: {
      const bool was = running_ || pending_ != Pending::none;
      if (running_) stopped_at_ = raw_ - song_origin_ + 1;
      running_ = false;
      pending_ = Pending::none;
      return was ? ClockEvent::stopped : ClockEvent::none;
    }
    case 0xF2:
      if (running_) return ClockEvent::none;
      stopped_at_ = 6 * ((m.data1 & 0x7F) | (static_cast<std::int64_t>(m.data2 & 0x7F) << 7));
      return ClockEvent::position;
    default: return ClockEvent::none;
  }
}

ClockEvent MidiClock::on_tick(std::int64_t time_ns) {
  ++ticks_seen_;
  std::int64_t step = 1;
  if (lost_) {
    estimator_.reset();  // the master may come back at another tempo
    lost_ = false;
  } else if (estimator_.has_estimate()) {
    // Ticks that did not arrive (a short dropout) still passed on the master.
    const double gap = static_cast<double>(time_ns - last_tick_ns_) / estimator_.period_ns();
    // A tick late by up to 0.7 of a period is one tick, late (a JACK xrun moves the clock's
    // time that much); counting it as two would put every later position a tick off.
    if (gap > config_.lost_periods)
      estimator_.reset();
    else if (gap >= kMissedTickGap)
      step = std::llround(gap);
  }
  raw_ += step;
  last_tick_ns_ = time_ns;
  if (!estimator_.tick(raw_, time_ns)) ++outliers_;
  switch (pending_) {
    case Pending::start:
      pending_ = Pending::none;
      song_origin_ = raw_;
      running_ = true;
      return ClockEvent::started;
    case Pending::resume:
      pending_ = Pending::none;
      song_origin_ = raw_ - stopped_at_;
      running_ = true;
      return ClockEvent::continued;
    case Pending::none: break;
  }
  return ClockEvent::none;
}

ClockEvent MidiClock::poll(std::int64_t now_ns) {
  if (lost_ || !estimator_.has_estimate()) return ClockEvent::none;
  if (static_cast<double>(now_ns - estimator_.last_time_ns()) <= config_.lost_periods * estimator_.period_ns())
    return ClockEvent::none;
  lost_ = true;
  if (running_) stopped_at_ = raw_ - song_origin_ + 1;
  running_ = false;
  pending_ = Pending::none;
  return ClockEvent::lost;
}

bool MidiClock::holding(std::int64_t now_ns) const {
  return estimator_.has_estimate() && !lost_ &&
         static_cast<double>(now_ns - estimator_.last_time_ns()) > config_.hold_periods * estimator_.period_ns();
}

double MidiClock::song_tick_at(std::int64_t time_ns) const {
  return estimator_.index_at(time_ns) - static_cast<double>(song_origin_);
}

double MidiClock::time_of_song_tick(double song_tick) const {
  return estimator_.time_of(song_tick + static_cast<double>(song_origin_));
}

std::int64_t MidiClock::next_song_tick() const { return running_ ? raw_ - song_origin_ + 1 : stopped_at_; }

}  // namespace clara
