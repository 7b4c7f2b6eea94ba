#pragma once
// The daemon's tempo source, on the inference thread (DuetThread calls it through
// TempoSourceHook): `internal` leaves the grid alone; `follow` follows the human's own
// tempo (below); `midi-clock` follows a MIDI Clock master on the input port
// (core/tempo/midi_clock.hpp, clock_steering.hpp):
//  - clock and transport messages never reach the engine, whatever the source;
//  - while the master is not running (before Start, after Stop, when its clock was lost)
//    Clara's notes end and she waits (StopPlaying; at Stop and loss a Panic first, so that
//    nothing queued within the commit horizon sounds after the master stopped); once it runs, the clock is locked and
//    the grid's bar lines are on the master's, she plays again (StartPlaying);
//  - the grid's tempo is set at the frontier each step it would otherwise land more than
//    the steering's tolerance off the master (SetTempo, recorded in the session like any
//    tempo change), so committed steps never move.
// `follow` (core/tempo/beat_tracker.hpp, tempo_follower.hpp): each of the human's note-ons
// goes to a beat tracker as input() sees it, here on the inference thread (never in a MIDI
// callback), and still reaches the engine; the tracker starts from the grid's tempo and
// puts its beat 0 on the first note-on it hears. Once it is locked, the follower sets the
// grid's tempo at the frontier at most once a grid beat (SetTempo), so the grid's beats
// fall on the human's and committed steps never move. She never waits for it: until it
// locks the grid keeps its tempo. A source switched to follow starts a fresh tracker.
// `link` joins an Ableton Link session (link_session.hpp) on the first tick with it as the
// source, with quantum = the grid's beats per bar, and leaves it when another source is chosen:
//  - the session's timeline (tempo, beat, phase) is captured each tick and the grid steered
//    onto it bar line on bar line, as onto a MIDI Clock master (ClockSteering), exactly: Link
//    gives the session's timeline itself, there is nothing to estimate;
//  - start/stop sync: she plays while the session plays (once her bar lines are on its);
//    when it stops her notes end (Panic, StopPlaying) and she waits;
//  - a tempo asked for by a control (/clara/tempo) is proposed to the session
//    (propose_tempo), and the grid follows the session when it takes it.
// Switching source (SetSync) comes on a bar line; leaving midi-clock or link lets her play on
// at the last tempo. What a surface sees (source, locked, the master's tempo) goes to `report`
// when it changes. Not thread-safe: the inference thread only.
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "core/tempo/beat_tracker.hpp"
#include "core/tempo/clock_steering.hpp"
#include "core/tempo/midi_clock.hpp"
#include "core/tempo/tempo_follower.hpp"
#include "daemon/engine/tempo_source.hpp"
#include "daemon/sync/link_session.hpp"

namespace clara::daemon {

struct SyncStatus {
  std::string source = "internal";
  // midi-clock and link: the master runs (midi-clock: its clock locked too) and the grid is
  // aligned on it; follow: the beat tracker is locked on the human's beat (the grid is steered
  // onto it)
  bool locked = false;
  // midi-clock: the master's tempo as estimated; link: the session's; follow: the human's, as
  // tracked (0: none yet)
  double master_bpm = 0;
  bool operator==(const SyncStatus&) const = default;
};

class TempoSync final : public TempoSourceHook {
 public:
  // `source` must be one tempo_source_refusal() accepts.
  TempoSync(std::string source, std::function<void(const SyncStatus&)> report = {},
            const MidiClockConfig& clock = {}, const ClockSteeringConfig& steering = {},
            const BeatTrackerConfig& tracker = {}, const TempoFollowerConfig& follower = {});

  bool input(const TimedMessage& m) override;
  void tick(const DuetEngine& engine, std::int64_t now_ns, std::vector<ControlCommand>& commands) override;
  void switch_to(const std::string& source, std::int64_t now_ns, std::vector<ControlCommand>& commands) override;
  bool propose_tempo(double bpm, std::int64_t now_ns) override;

  // How `link` joins a session (default: join_link_session on CLOCK_MONOTONIC; clarad gives its
  // backend's clock, tests a fake). Set before the inference thread starts.
  using LinkJoiner = std::function<std::unique_ptr<LinkPort>(double bpm)>;
  void set_link_joiner(LinkJoiner join) { join_link_ = std::move(join); }
  bool in_link_session() const { return link_ != nullptr; }

  // Where status changes go (set before the inference thread starts).
  void set_report(std::function<void(const SyncStatus&)> report) { report_ = std::move(report); }
  const SyncStatus& status() const { return status_; }
  const MidiClock& clock() const { return clock_; }
  const ClockSteering& steering() const { return steering_; }
  // follow: the human's beat as tracked (null before their first note-on, or off follow).
  const BeatTracker* tracker() const { return tracker_ ? &*tracker_ : nullptr; }

 private:
  void on_event(ClockEvent e);
  void follow(const DuetEngine& engine, std::int64_t now_ns, std::vector<ControlCommand>& commands);
  void update_status(const SyncStatus& now);
  void publish();
  // The source's part of a tick: the grid steered, and whether it is on the master's bar lines.
  bool tick_clock(const ClockGrid& grid, std::int64_t now_ns, std::vector<ControlCommand>& commands);
  bool tick_link(const ClockGrid& grid, std::int64_t now_ns, std::vector<ControlCommand>& commands);

  std::string source_;
  std::function<void(const SyncStatus&)> report_;
  MidiClockConfig clock_config_;
  MidiClock clock_;
  ClockSteering steering_;
  // follow: the tracker's settings other than its start (bpm and beat 0 come from the grid's
  // tempo and the first note-on), the tracker, and the law that steers the grid onto it.
  BeatTrackerConfig tracker_config_;
  std::optional<BeatTracker> tracker_;
  TempoFollowerConfig follower_config_;
  TempoFollower follower_;
  double grid_bpm_ = 120;  // the grid's tempo at the last tick: where a new tracker starts
  LinkJoiner join_link_;
  std::unique_ptr<LinkPort> link_;  // while link is the source (from its first tick)
  LinkState link_state_;            // as captured at the last tick
  double link_proposal_ = 0;        // a tempo asked for before the session was joined (0: none)
  bool panic_pending_ = false;  // the master stopped or was lost: end what sounds and what is queued
  bool held_ = false;  // we stopped her (StopPlaying) and owe her a StartPlaying
  std::int64_t quiet_ticks_ = 0;  // ticks since the status last changed (bpm reports are rate-limited)
  SyncStatus status_;
};

}  // namespace clara::daemon
