// The output-timing baseline for bench/clarad_latency.sh: what RtMidi's JACK API
// does with a perfectly timed sender. A thread sleeps to absolute deadlines on
// CLOCK_MONOTONIC and sends a note every grid step; RtMidi queues each message
// and its process callback writes it at frame 0 of the next cycle, so the
// probe's grid residuals show the cost of not scheduling by frame.
//
// usage: rtmidi_jack_baseline [--bpm B] [--steps-per-quarter N] [--seconds S]
//                             [--client NAME] [--start-after S] [--deadlines FILE]
// Opens NAME:out (default rtmidi-baseline:out) on the default JACK server
// (JACK_DEFAULT_SERVER; none is started) and sends its first note S seconds
// later (default 1), so a recorder has time to connect. --deadlines writes each
// message's deadline, one a line, in ns on JACK's clock (CLOCK_MONOTONIC_RAW on
// Linux), so its lateness can be measured and not only its distance from a grid.
#include <RtMidi.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct Options {
  double bpm = 200.0;
  int steps_per_quarter = 12;
  double seconds = 10.0;
  std::string client = "rtmidi-baseline";
  double start_after = 1.0;
  std::string deadlines;
};

double number(const char* flag, const char* text, double lo, double hi) {
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(v >= lo && v <= hi))
    throw std::invalid_argument(std::string(flag) + ": expected a number in [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + "], got '" + text + "'");
  return v;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument(a + ": missing value (or unknown flag)");
    const char* v = argv[++i];
    if (a == "--bpm")
      o.bpm = number("--bpm", v, 20, 400);
    else if (a == "--steps-per-quarter")
      o.steps_per_quarter = static_cast<int>(number("--steps-per-quarter", v, 1, 96));
    else if (a == "--seconds")
      o.seconds = number("--seconds", v, 0.1, 86400);
    else if (a == "--client")
      o.client = v;
    else if (a == "--deadlines")
      o.deadlines = v;
    else if (a == "--start-after")
      o.start_after = number("--start-after", v, 0, 3600);
    else
      throw std::invalid_argument("unknown flag " + a);
  }
  return o;
}

std::int64_t clock_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t monotonic_ns() { return clock_ns(CLOCK_MONOTONIC); }

void sleep_until(std::int64_t ns) {
  const timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rtmidi_jack_baseline: %s\n", e.what());
    return 64;
  }
  try {
    RtMidiOut out(RtMidi::UNIX_JACK, o.client);
    out.openVirtualPort("out");
    // The sender gets the real-time priority a MIDI clock thread would have, so what is measured
    // is RtMidi's frame-0 placement and not the scheduler's wake-up delays on a loaded machine.
    sched_param param{};
    param.sched_priority = 70;
    const int rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &param);
    std::fprintf(stderr, "rtmidi_jack_baseline: sender at %s\n",
                 rc == 0 ? "SCHED_FIFO priority 70" : "normal priority (SCHED_FIFO refused)");
    std::FILE* deadlines = nullptr;
    if (!o.deadlines.empty() && !(deadlines = std::fopen(o.deadlines.c_str(), "w")))
      throw std::runtime_error(o.deadlines + ": cannot write");
    const std::int64_t step_ns = static_cast<std::int64_t>(60e9 / o.bpm / o.steps_per_quarter);
    const std::int64_t origin = monotonic_ns() + static_cast<std::int64_t>(o.start_after * 1e9);
    const std::int64_t steps = static_cast<std::int64_t>(o.seconds * 1e9 / static_cast<double>(step_ns));
    std::vector<unsigned char> msg(3);
    std::fprintf(stderr, "rtmidi_jack_baseline: %lld steps of %.3f ms on %s:out\n", static_cast<long long>(steps),
                 static_cast<double>(step_ns) / 1e6, o.client.c_str());
    std::int64_t worst_wake_ns = 0;
    for (std::int64_t k = 0; k < steps; ++k) {
      const std::int64_t due = origin + k * step_ns;
      sleep_until(due);
      const std::int64_t now = monotonic_ns();
      // JACK's clock is CLOCK_MONOTONIC_RAW, which NTP does not slew: map the deadline at each
      // step, not once, so the two clocks' drift never enters the lateness.
      const std::int64_t raw_minus_mono = clock_ns(CLOCK_MONOTONIC_RAW) - now;
      worst_wake_ns = std::max(worst_wake_ns, now - due);
      // A note on every even step and its note-off on the odd one: every message is on the grid.
      const unsigned char key = static_cast<unsigned char>(60 + (k / 2) % 12);
      msg = {static_cast<unsigned char>(k % 2 == 0 ? 0x90 : 0x80), key, static_cast<unsigned char>(k % 2 == 0 ? 90 : 0)};
      out.sendMessage(&msg);
      if (deadlines) std::fprintf(deadlines, "%lld\n", static_cast<long long>(due + raw_minus_mono));
    }
    if (deadlines && std::fclose(deadlines) != 0) throw std::runtime_error(o.deadlines + ": write failed");
    sleep_until(origin + steps * step_ns + 100'000'000);  // let the last message leave
    std::fprintf(stderr, "rtmidi_jack_baseline: done; worst wake-up %.3f ms after its deadline\n",
                 static_cast<double>(worst_wake_ns) / 1e6);
  } catch (const RtMidiError& e) {
    std::fprintf(stderr, "rtmidi_jack_baseline: %s\n", e.getMessage().c_str());
    return 69;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rtmidi_jack_baseline: %s\n", e.what());
    return 69;
  }
  return 0;
}
