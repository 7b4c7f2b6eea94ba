#include "daemon/sync/tempo_sync.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <variant>
#include <vector>

#include "core/encoding/notewise_codec.hpp"
#include "tests/core/tempo/clock_master.hpp"
#include "tests/core/tempo/performer.hpp"

namespace clara::daemon {
namespace {

// Prefers onsets, so Clara plays in solo mode.
class OnsetModel : public TokenModel {
 public:
  explicit OnsetModel(std::size_t v) : logits_(v, 0.0f) { logits_[3] = 5.0f; }
  std::size_t vocab_size() const override { return logits_.size(); }
  void reset() override {}
  std::span<const float> feed(int) override { return logits_; }
  struct S : State {};
  std::unique_ptr<State> save() const override { return std::make_unique<S>(); }
  void restore(const State&) override {}

 private:
  std::vector<float> logits_;
};

// The inference thread in miniature: each millisecond the clock's messages that arrived go
// to the source, its commands are applied as DuetThread applies them (tempo at the frontier,
// listen while stopped), then the engine advances.
struct Duet {
  EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  Vocabulary vocab = notewise_vocabulary(spec);
  OnsetModel model{vocab.size()};
  std::unique_ptr<DuetEngine> engine;
  std::vector<TimedMessage> out, played;
  bool playing = true;
  int stops = 0, starts = 0, tempos = 0, panics = 0;

  explicit Duet(double bpm) {
    DuetConfig c;
    c.mode = DuetMode::solo;
    c.bpm = bpm;
    engine = std::make_unique<DuetEngine>(model, vocab, spec, c);
    engine->start(0);
  }
  void step(TempoSync& sync, std::int64_t now) {
    std::vector<ControlCommand> commands;
    sync.tick(*engine, now, commands);
    for (const auto& c : commands) {
      if (const auto* t = std::get_if<SetTempo>(&c)) {
        engine->set_tempo(t->bpm);
        ++tempos;
      } else if (std::holds_alternative<Panic>(c)) {
        // What the backend does: queued output not yet due is dropped, what sounds ends.
        engine->set_mode(engine->mode(), out);
        played.erase(std::remove_if(played.begin(), played.end(), [&](const TimedMessage& x) { return x.time_ns > now; }),
                     played.end());
        ++panics;
      } else if (std::holds_alternative<StopPlaying>(c)) {
        engine->set_mode(DuetMode::listen, out);
        playing = false;
        ++stops;
      } else if (std::holds_alternative<StartPlaying>(c)) {
        engine->set_mode(DuetMode::solo, out);
        playing = true;
        ++starts;
      }
    }
    engine->advance(now, out);
    played.insert(played.end(), out.begin(), out.end());
    out.clear();
  }
};

TEST(TempoSync, ClockMessagesNeverReachTheEngineAndInternalLeavesTheGridAlone) {
  TempoSync sync("internal");
  EXPECT_TRUE(sync.input({0, {0xF8}, 0}));
  EXPECT_TRUE(sync.input({0, {0xFA}, 0}));
  EXPECT_TRUE(sync.input({0, {0xFE}, 0}));  // active sensing: not the human either
  EXPECT_FALSE(sync.input({0, {0x90, 60, 100}, 0}));
  Duet d(120);
  for (std::int64_t now = 0; now < 500'000'000; now += 1'000'000) d.step(sync, now);
  EXPECT_EQ(d.tempos + d.stops + d.starts, 0);
  EXPECT_EQ(sync.clock().ticks_seen(), 0u);
}

TEST(TempoSync, RefusesSourcesNotBuilt) {
  if (link_built()) {
    EXPECT_NO_THROW(TempoSync("link"));  // joins nothing until its first tick
  } else {
    EXPECT_THROW(TempoSync("link"), std::invalid_argument);  // -DCLARA_WITH_LINK=OFF
  }
  EXPECT_NO_THROW(TempoSync("follow"));
  EXPECT_THROW(TempoSync("metronome"), std::invalid_argument);
  TempoSync sync("internal");
  std::vector<ControlCommand> c;
  sync.switch_to("metronome", 0, c);
  EXPECT_EQ(sync.status().source, "internal") << "an unknown source is refused, the old one kept";
  sync.switch_to("follow", 0, c);
  EXPECT_EQ(sync.status().source, "follow");
}

// A master at 97 bpm (grid at 120) starts after a bar of clock: Clara waits, then plays on
// the master's grid, bar line on bar line; Stop ends her notes; Continue brings her back.
TEST(TempoSync, FollowsAMasterFromStartToStopAndContinue) {
  testing::ClockMaster m;
  m.bpm0 = m.bpm1 = 97;
  m.start_ns = 2e9;
  std::vector<SyncStatus> reports;
  TempoSync sync("midi-clock", [&](const SyncStatus& s) { reports.push_back(s); });
  Duet d(120);
  // Stop after ten bars' last tick; Continue a bar of clock later: song position 960 is then
  // raw tick 1056, a whole bar on, so the test's grid (raw ticks) stays the master's grid.
  const int stop_tick = 24 * 4 * 10 - 1;
  std::int64_t next = -96;
  const auto tick_time = [&](std::int64_t i) { return std::llround(m.time_of(static_cast<double>(i))); };
  std::int64_t stopped_at = -1;
  for (std::int64_t now = 0; now < tick_time(stop_tick + 96 * 3); now += 1'000'000) {
    while (tick_time(next) <= now) {
      if (next == 0) sync.input({tick_time(0) - 1000, {0xFA}, 0});
      if (next == stop_tick + 97) sync.input({tick_time(next) - 1000, {0xFB}, 0});
      sync.input({tick_time(next), {0xF8}, 0});
      if (next == stop_tick) {
        sync.input({tick_time(next) + 1000, {0xFC}, 0});
        stopped_at = now;
      }
      ++next;
    }
    d.step(sync, now);
  }
  // Waiting for the master, playing, stopped by it, playing again.
  EXPECT_EQ(d.stops, 2);
  EXPECT_EQ(d.panics, 1);
  EXPECT_EQ(d.starts, 2);
  EXPECT_TRUE(d.playing);
  EXPECT_GT(d.tempos, 0);
  ASSERT_FALSE(reports.empty());
  EXPECT_TRUE(std::any_of(reports.begin(), reports.end(), [](const SyncStatus& s) { return s.locked; }));
  EXPECT_NEAR(sync.status().master_bpm, 97, 0.1);
  // Every note Clara played while the master ran falls on its 48th-note grid (12 steps a
  // beat: 2 ticks), within the steering's tolerance; none sounds after Stop until Continue.
  const double tick_ns = 60e9 / (97 * 24);
  int on_grid = 0, depth = 0;
  for (const auto& msg : d.played) {
    if (msg.msg.is_note_on()) ++depth;
    if (msg.msg.is_note_off()) --depth;
    if (!msg.msg.is_note_on()) continue;
    const double ticks = (static_cast<double>(msg.time_ns) - m.start_ns) / tick_ns;
    const double off_ms = std::abs(ticks / 2 - std::round(ticks / 2)) * 2 * tick_ns / 1e6;
    EXPECT_LT(off_ms, 0.3) << "a note-on " << off_ms << " ms off the master's grid, at tick " << ticks;
    ++on_grid;
    const bool after_stop = msg.time_ns > tick_time(stop_tick) + 1000;
    const bool before_continue = msg.time_ns < tick_time(stop_tick + 97);
    EXPECT_FALSE(after_stop && before_continue) << "a note-on while the master was stopped";
  }
  EXPECT_GT(on_grid, 20);
  EXPECT_GE(stopped_at, 0);
  // Bar lines: the anchor step is a grid bar line and a master bar line.
  EXPECT_EQ(sync.steering().anchor_step() % 48, 0);
  EXPECT_EQ(std::fmod(sync.steering().song_tick_of(sync.steering().anchor_step(), 12), 96.0), 0.0);
}

// The human's beat position at time t (beats since their first beat), from the true beats.
double human_beat_at(const test::Performance& p, double t) {
  const auto it = std::upper_bound(p.beat_ns.begin(), p.beat_ns.end(), t);
  const auto k = static_cast<std::size_t>(std::max<std::ptrdiff_t>(it - p.beat_ns.begin() - 1, 0));
  const std::size_t k1 = std::min(k + 1, p.beat_ns.size() - 1);
  return static_cast<double>(k) + (t - p.beat_ns[k]) / std::max(p.beat_ns[k1] - p.beat_ns[k], 1.0);
}

// A human at 96 bpm (+-3% drift, 15 ms timing noise), the grid at 120: follow locks on their
// beat, reports it, and steers the grid so that Clara's notes fall on the human's grid (each
// note-on's grid position against the human's beat position at that moment, wrapped to a
// beat); the human's notes still reach the engine.
TEST(TempoSync, FollowSteersTheGridOntoTheHumansBeat) {
  test::PerformerOptions o;
  o.bpm = test::drifting(96);
  o.bars = 16;
  const test::Performance p = test::perform(o);
  std::vector<SyncStatus> reports;
  TempoSync sync("follow", [&](const SyncStatus& s) { reports.push_back(s); });
  Duet d(120);
  std::size_t next = 0;
  int passed_on = 0;
  const auto end = static_cast<std::int64_t>(p.beat_ns[p.beat_ns.size() - 2]);
  for (std::int64_t now = 0; now < end; now += 1'000'000) {
    for (; next < p.onsets.size() && p.onsets[next].ns <= now; ++next) {
      const ShortMessage on{0x90, 60, static_cast<std::uint8_t>(p.onsets[next].velocity)};
      if (!sync.input({p.onsets[next].ns, on, 0})) ++passed_on;
      if (!sync.input({p.onsets[next].ns + 100'000'000, {0x80, 60, 0}, 0})) ++passed_on;
    }
    d.step(sync, now);
  }
  EXPECT_EQ(passed_on, static_cast<int>(2 * p.onsets.size()));
  ASSERT_NE(sync.tracker(), nullptr);
  EXPECT_TRUE(sync.status().locked);
  EXPECT_EQ(sync.status().source, "follow");
  EXPECT_NEAR(sync.status().master_bpm, 96, 96 * 0.04);
  EXPECT_TRUE(std::any_of(reports.begin(), reports.end(), [](const SyncStatus& s) { return s.locked; }));
  EXPECT_GT(d.tempos, 0);
  std::vector<double> err_ms;
  for (const auto& msg : d.played) {
    const auto t = static_cast<double>(msg.time_ns);
    if (!msg.msg.is_note_on() || t < p.beat_ns[32]) continue;  // from bar 9 on
    const double grid = d.engine->step_at(msg.time_ns) / d.spec.sample_freq;
    double e = human_beat_at(p, t) - grid;
    e -= std::round(e);
    err_ms.push_back(std::abs(e) * 60e3 / 96);
  }
  ASSERT_GT(err_ms.size(), 50u);
  std::sort(err_ms.begin(), err_ms.end());
  const double p50 = err_ms[err_ms.size() / 2], p99 = err_ms[err_ms.size() * 99 / 100];
  std::printf("follow at 96 bpm from a 120 bpm grid: %zu note-ons, p50 %.1f ms, p99 %.1f ms off the human's grid\n",
              err_ms.size(), p50, p99);
  EXPECT_LT(p50, 25.0);
  EXPECT_LT(p99, 60.0);
}

// Without follow the same grid stays at 120 and drifts through the human's beat: the check
// above can fail.
TEST(TempoSync, InternalIgnoresTheHumansTempo) {
  test::PerformerOptions o;
  o.bpm = test::drifting(96);
  const test::Performance p = test::perform(o);
  TempoSync sync("internal");
  Duet d(120);
  std::size_t next = 0;
  for (std::int64_t now = 0; now < static_cast<std::int64_t>(p.beat_ns[40]); now += 1'000'000) {
    for (; next < p.onsets.size() && p.onsets[next].ns <= now; ++next)
      sync.input({p.onsets[next].ns, {0x90, 60, 80}, 0});
    d.step(sync, now);
  }
  EXPECT_EQ(d.tempos, 0);
  EXPECT_EQ(sync.tracker(), nullptr);
}

TEST(TempoSync, SwitchingToFollowStartsAFreshTracker) {
  TempoSync sync("follow");
  sync.input({1'000'000'000, {0x90, 60, 80}, 0});
  ASSERT_NE(sync.tracker(), nullptr);
  EXPECT_DOUBLE_EQ(sync.tracker()->config().bpm, 120);  // the grid's tempo (no tick yet: the default)
  std::vector<ControlCommand> c;
  sync.switch_to("internal", 0, c);
  EXPECT_EQ(sync.tracker(), nullptr);
  EXPECT_TRUE(c.empty());  // nothing held: she plays on
  Duet d(100);
  d.step(sync, 0);
  sync.switch_to("follow", 0, c);
  sync.input({2'000'000'000, {0x90, 60, 80}, 0});
  ASSERT_NE(sync.tracker(), nullptr);
  EXPECT_NEAR(sync.tracker()->config().bpm, 100, 1e-6);  // starts from the grid's tempo now
  EXPECT_EQ(sync.tracker()->config().beat0_ns, 2'000'000'000);
  EXPECT_EQ(sync.status().source, "follow");
  EXPECT_FALSE(sync.status().locked);
}

TEST(TempoSync, LeavingMidiClockLetsHerPlayOn) {
  TempoSync sync("midi-clock");
  Duet d(120);
  d.step(sync, 0);
  EXPECT_FALSE(d.playing);  // no master yet: she waits
  std::vector<ControlCommand> c;
  sync.switch_to("internal", 0, c);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<StartPlaying>(c[0]));
  EXPECT_EQ(sync.status().source, "internal");
}

// A Link session without a network: its timeline (one tempo from `t0_ns`, beat continuous
// across a change), its transport, and what Clara proposed.
struct FakeSession {
  double bpm = 97, beat0 = 0.37;
  std::int64_t t0_ns = 0;
  bool playing = false;
  bool joined = false;
  double joined_at_bpm = 0;
  std::vector<double> proposals;
  double beat_at(std::int64_t ns) const { return beat0 + static_cast<double>(ns - t0_ns) * bpm / 60e9; }
  double time_of_beat(double b) const { return static_cast<double>(t0_ns) + (b - beat0) * 60e9 / bpm; }
  void set_tempo(double to, std::int64_t at) {
    beat0 = beat_at(at);
    t0_ns = at;
    bpm = to;
  }
};
class FakeLink final : public LinkPort {
 public:
  explicit FakeLink(FakeSession& s) : s_(s) { s_.joined = true; }
  ~FakeLink() override { s_.joined = false; }
  LinkState capture(std::int64_t now_ns, double) override { return {s_.bpm, s_.beat_at(now_ns), now_ns, s_.playing, 1}; }
  void propose_tempo(double bpm, std::int64_t now_ns) override {
    s_.proposals.push_back(bpm);
    s_.set_tempo(bpm, now_ns);  // a session that takes it
  }

 private:
  FakeSession& s_;
};
TempoSync fake_link(FakeSession& session, std::vector<SyncStatus>* reports = nullptr) {
  TempoSync sync("link", [reports](const SyncStatus& st) {
    if (reports) reports->push_back(st);
  });
  sync.set_link_joiner([&session](double bpm) {
    session.joined_at_bpm = bpm;
    return std::make_unique<FakeLink>(session);
  });
  return sync;
}

// The session plays at 97 bpm from 2 s, changes to 130 at 12 s, stops at 20 s: Clara joins at
// her own tempo, waits for Start, plays bar on bar with the session, follows the change within a
// bar, and her notes end at Stop.
TEST(TempoSync, LinkFollowsTheSessionsTempoPhaseAndTransport) {
  if (!link_built()) GTEST_SKIP() << "built with CLARA_WITH_LINK=OFF";
  FakeSession session;
  const FakeSession before = session;  // the timeline until the change
  std::vector<SyncStatus> reports;
  TempoSync sync = fake_link(session, &reports);
  Duet d(120);
  const std::int64_t start = 2'000'000'000, change = 12'000'000'000, stop = 20'000'000'000;
  for (std::int64_t now = 0; now < 24'000'000'000; now += 1'000'000) {
    if (now == start) session.playing = true;
    if (now == change) session.set_tempo(130, now);
    if (now == stop) session.playing = false;
    d.step(sync, now);
    if (now == start - 1'000'000) {
      EXPECT_TRUE(session.joined);
      EXPECT_FALSE(d.playing);  // joined, the session stopped: she waits
    }
  }
  EXPECT_NEAR(session.joined_at_bpm, 120, 0.01);
  EXPECT_EQ(sync.steering().alignments(), 1u);  // the change of tempo is followed, not aligned anew
  EXPECT_EQ(d.starts, 1);
  EXPECT_EQ(d.panics, 1);
  EXPECT_FALSE(d.playing);
  EXPECT_GT(d.tempos, 0);
  EXPECT_TRUE(std::any_of(reports.begin(), reports.end(), [](const SyncStatus& s) { return s.locked; }));
  EXPECT_EQ(sync.status().source, "link");
  EXPECT_EQ(sync.status().master_bpm, 130);
  // Note-ons on the session's 48th-note grid (after the first bar of each tempo); none after Stop.
  const double bar_97 = 4 * 60e9 / 97, bar_130 = 4 * 60e9 / 130;
  int checked = 0;
  for (const auto& m : d.played) {
    if (!m.msg.is_note_on()) continue;
    const auto t = m.time_ns;
    EXPECT_LT(t, stop) << "a note-on after the session stopped";
    if (t < start + 2 * bar_97 || (t >= change && t < change + bar_130)) continue;
    const double beat = t < change ? before.beat_at(t) : session.beat_at(t);
    const double off_ms = std::abs(beat * 12 - std::round(beat * 12)) / 12 * 60e3 / (t < change ? 97 : 130);
    EXPECT_LT(off_ms, 0.3) << "a note-on " << off_ms << " ms off the session's grid at " << t;
    ++checked;
  }
  EXPECT_GT(checked, 40);
  // Bar lines: the anchor step is a grid bar line and a session bar line (beat a multiple of 4).
  EXPECT_EQ(sync.steering().anchor_step() % 48, 0);
  EXPECT_EQ(std::fmod(sync.steering().song_tick_of(sync.steering().anchor_step(), 12), 96.0), 0.0);
}

TEST(TempoSync, LinkTakesTempoControlsAsProposalsAndLeavingEndsTheSession) {
  if (!link_built()) GTEST_SKIP() << "built with CLARA_WITH_LINK=OFF";
  FakeSession session;
  session.playing = true;
  TempoSync sync = fake_link(session);
  EXPECT_TRUE(sync.propose_tempo(140, 0));  // before the first tick: proposed once joined
  Duet d(120);
  for (std::int64_t now = 0; now < 6'000'000'000; now += 1'000'000) d.step(sync, now);
  ASSERT_EQ(session.proposals, std::vector<double>{140});
  EXPECT_TRUE(sync.propose_tempo(90, 6'000'000'000));
  EXPECT_EQ(session.proposals.back(), 90);
  EXPECT_TRUE(d.playing);
  std::vector<ControlCommand> c;
  sync.switch_to("internal", 6'000'000'000, c);
  EXPECT_FALSE(session.joined);  // left the session
  EXPECT_FALSE(sync.in_link_session());
  EXPECT_FALSE(sync.propose_tempo(100, 6'000'000'000));  // the grid's own tempo again
  TempoSync internal("internal");
  EXPECT_FALSE(internal.propose_tempo(100, 0));
}

}  // namespace
}  // namespace clara::daemon
