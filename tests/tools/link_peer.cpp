// clara-link-peer: an Ableton Link peer for the integration tests, built from the same library
// as clarad (Debian's ableton-link-dev) but on Link's default clock (CLOCK_MONOTONIC_RAW on
// Linux, as every other Link app there), so a test also checks clarad's own clock against
// another peer's. It joins the session at --bpm with --quantum and start/stop sync, and from the
// moment another peer joins (or from its start with --alone) follows a schedule: --play-at S
// starts the transport; --tempo-at S sets the session's tempo to
// --tempo; --stop-at S stops the transport; --seconds S ends it. (Why not play from the start:
// Link 3.0.6 passes a session's play state to a peer that joins it only when it next changes.)
//
// Writes (TSV, a header first) the session's grid as it passes: each 1/--steps-per-beat of a
// beat, its beat (bar lines at multiples of the quantum) and its time in ns on CLOCK_MONOTONIC
// (ALSA's stamps) and on CLOCK_MONOTONIC_RAW (Link's clock here, and JACK's jack_get_time): the
// two drift apart by NTP's slew, 140 ppm on the development VM; and, line by line as they happen,
// its events (what, CLOCK_MONOTONIC ns, value): peers, joined, play, playing, tempo (its own
// change), tempo_seen (a change it saw from another peer), stop, stopped.
//
// NETWORK: Link sends UDP multicast on every interface that is up. Run this only inside a
// private network namespace (tests/integration/link_test.sh makes one), never on a real network.
#include <ableton/Link.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

namespace {

std::int64_t clock_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// CLOCK_MONOTONIC minus Link's clock (CLOCK_MONOTONIC_RAW), now: read between two reads of the
// raw clock, so the error is half the reads' spread (well under a microsecond). The two clocks
// run at rates that differ by NTP's slew: measured afresh each time it is used.
std::int64_t monotonic_minus_link_ns() {
  const std::int64_t r1 = clock_ns(CLOCK_MONOTONIC_RAW);
  const std::int64_t m = clock_ns(CLOCK_MONOTONIC);
  const std::int64_t r2 = clock_ns(CLOCK_MONOTONIC_RAW);
  return m - (r1 + r2) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  double bpm = 120, quantum = 4, seconds = 30, tempo = 0;
  std::optional<double> tempo_at, stop_at;
  double play_at = 0;
  int steps_per_beat = 12;
  bool alone = false;
  std::string grid_path, events_path;
  CLI::App app("clara-link-peer: an Ableton Link peer that prints the session's beat grid (tests only; "
               "run it inside a private network namespace)");
  app.add_option("--bpm", bpm, "the tempo it starts a session at (a session it joins keeps its own)")
      ->check(CLI::Range(20.0, 999.0));
  app.add_option("--quantum", quantum, "beats per bar")->check(CLI::Range(1.0, 16.0));
  app.add_option("--seconds", seconds, "how long it runs after another peer joined")->check(CLI::Range(0.1, 7200.0));
  app.add_option("--play-at", play_at, "seconds after another peer joined: start the transport (default 0)");
  app.add_option("--tempo-at", tempo_at, "seconds after another peer joined: set the session's tempo to --tempo");
  app.add_option("--tempo", tempo, "the tempo --tempo-at sets")->check(CLI::Range(20.0, 999.0));
  app.add_option("--stop-at", stop_at, "seconds after another peer joined: stop the session's transport");
  app.add_option("--steps-per-beat", steps_per_beat, "grid points a beat in --grid")->check(CLI::Range(1, 96));
  app.add_flag("--alone", alone, "count from its own start, not from another peer's joining");
  app.add_option("--grid", grid_path, "the grid (beat, monotonic ns, raw ns) as it passed")->required();
  app.add_option("--events", events_path, "events, a line each as they happen")->required();
  CLI11_PARSE(app, argc, argv);
  if (tempo_at && tempo <= 0) {
    std::cerr << "clara-link-peer: --tempo-at needs --tempo\n";
    return 64;
  }

  std::ofstream grid(grid_path), events(events_path);
  if (!grid || !events) {
    std::cerr << "clara-link-peer: cannot write " << (grid ? events_path : grid_path) << "\n";
    return 73;
  }
  grid << "beat\tmonotonic_ns\traw_ns\n";
  grid.precision(12);
  events.precision(12);
  auto event = [&](const char* what, std::int64_t mono_ns, double value) {
    events << what << '\t' << mono_ns << '\t' << value << std::endl;  // flushed: the test polls it
  };

  ableton::Link link(bpm);
  link.enableStartStopSync(true);
  link.enable(true);

  const double step = 1.0 / steps_per_beat;
  std::optional<std::int64_t> t0_link;  // µs on Link's clock: when the schedule began
  if (alone) t0_link = link.clock().micros().count();
  std::optional<double> next_beat;  // the next grid point to write
  double seen_tempo = link.captureAppSessionState().tempo();
  std::size_t peers = 0;
  bool play_done = false, tempo_done = false, stop_done = false, playing = false;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const auto now = link.clock().micros();
    const std::int64_t offset = monotonic_minus_link_ns();
    const std::int64_t now_mono = now.count() * 1000 + offset;
    auto s = link.captureAppSessionState();
    if (link.numPeers() != peers) {
      peers = link.numPeers();
      event("peers", now_mono, static_cast<double>(peers));
      if (!t0_link && peers > 0) {
        t0_link = now.count();
        event("joined", now_mono, s.tempo());
      }
    }
    if (std::abs(s.tempo() - seen_tempo) > 1e-6) {
      seen_tempo = s.tempo();
      event("tempo_seen", now_mono, seen_tempo);
    }
    if (s.isPlaying() != playing) {
      playing = s.isPlaying();
      event(playing ? "playing" : "stopped", now_mono, s.beatAtTime(now, quantum));
      next_beat.reset();
    }
    // Grid points that passed, each at its time on the session's timeline as it stands now (a
    // change of tempo applies from its time on, so a point already passed is where it was).
    if (playing) {
      const double beat_now = s.beatAtTime(now, quantum);
      if (!next_beat) next_beat = std::ceil(beat_now / step) * step;
      for (; *next_beat <= beat_now; *next_beat = std::round((*next_beat + step) / step) * step) {
        const std::int64_t t = s.timeAtBeat(*next_beat, quantum).count() * 1000;
        grid << *next_beat << '\t' << t + offset << '\t' << t << '\n';
      }
    }
    if (!t0_link) continue;
    const double since = static_cast<double>(now.count() - *t0_link) / 1e6;
    if (!play_done && since >= play_at) {
      s.setIsPlaying(true, now);  // the timeline stays: Clara finds the bar lines by its phase
      link.commitAppSessionState(s);
      play_done = true;
      event("play", now_mono, s.beatAtTime(now, quantum));
    }
    if (tempo_at && !tempo_done && since >= *tempo_at) {
      s.setTempo(tempo, now);
      link.commitAppSessionState(s);
      seen_tempo = tempo;
      tempo_done = true;
      event("tempo", now_mono, tempo);
    }
    if (stop_at && !stop_done && since >= *stop_at) {
      s.setIsPlaying(false, now);
      link.commitAppSessionState(s);
      stop_done = true;
      playing = false;
      event("stop", now_mono, s.beatAtTime(now, quantum));
    }
    if (since >= seconds) break;
  }
  grid.flush();
  link.enable(false);
  return grid ? 0 : 74;
}
