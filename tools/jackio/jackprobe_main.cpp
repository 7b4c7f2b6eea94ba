// clara-jackprobe: play a MIDI file into a JACK port as a person would, record
// what comes back, frame by frame. Used by `clara demo`, the daemon's
// integration tests and the latency benches.
#include <csignal>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <jack/jack.h>
#include <time.h>

#include "clara_version.hpp"
#include "core/midi/midi_file.hpp"
#include "tools/clara/cli.hpp"
#include "tools/jackio/clock_schedule.hpp"
#include "tools/jackio/jack_probe.hpp"
#include "tools/jackio/score_messages.hpp"

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

const char* kDescription =
    "Plays FILE.mid's notes (at its tempo) from our port CLIENT:out, starting SEC\n"
    "seconds from now (default 0.5), each message at its exact frame, and records\n"
    "everything arriving on CLIENT:in. Runs for --seconds (default: the file's\n"
    "length plus 2 s, or 10 s without a file), or until SIGINT/SIGTERM.\n"
    "Writes TSV (frame, time_ns, status, data1, data2; a header line first) of\n"
    "what it recorded to --out (default: standard output) and of what it played\n"
    "to --played-out. Never starts a JACK server.\n"
    "With --clock BPM it is a MIDI Clock master instead of a player: a beat of clock,\n"
    "Start, --clock-bars bars of 24-ppqn ticks (each moved by up to --clock-jitter-ms,\n"
    "seeded by --clock-seed; a linear ramp to --clock-ramp-to over --clock-ramp-bars\n"
    "from bar --clock-ramp-from), Stop, a beat of clock; --grid-out writes the master's\n"
    "ideal grid (song tick, fractional JACK frame).\n";

int run(const clara::cli::Args& args) {
  using namespace clara;
  const std::string server = args.get_or("--server", "");
  jackio::JackProbe probe(server, args.get_or("--name", "clara-probe"));
  {
    // JACK's clock (time_ns below) runs at an offset from CLOCK_MONOTONIC; a test that times
    // something from a script (python's time.monotonic_ns()) subtracts it.
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    const long long mono = static_cast<long long>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
    std::cerr << "clara-jackprobe: monotonic_minus_jack_ns " << mono - static_cast<long long>(jack_get_time()) * 1000
              << "\n";
  }
  if (auto port = args.get("--record-from")) probe.connect(*port, probe.input_port());
  if (auto port = args.get("--play-to")) probe.connect(probe.output_port(), *port);

  std::vector<TimedMessage> messages;
  std::vector<double> grid_ns;
  if (args.get("--clock")) {
    if (args.get("--play")) throw clara::cli::UsageError("--clock and --play: one or the other");
    jackio::ClockPlan plan;
    plan.bpm = args.get_double("--clock", 120, 20, 400);
    plan.bars = static_cast<int>(args.get_double("--clock-bars", 8, 1, 10000));
    plan.jitter_ms = args.get_double("--clock-jitter-ms", 0, 0, 5);
    plan.seed = static_cast<std::uint64_t>(args.get_double("--clock-seed", 1, 0, 1e15));
    plan.ramp_to = args.get_double("--clock-ramp-to", 0, 0, 400);
    plan.ramp_from_bar = args.get_double("--clock-ramp-from", 0, 0, 10000);
    plan.ramp_bars = args.get_double("--clock-ramp-bars", 0, 0, 10000);
    try {
      auto schedule = jackio::clock_schedule(plan);
      messages = std::move(schedule.messages);
      grid_ns = std::move(schedule.grid_ns);
    } catch (const std::invalid_argument& e) {
      throw clara::cli::UsageError(e.what());
    }
  } else if (auto file = args.get("--play")) {
    try {
      messages = jackio::messages_from_score(read_midi_file(*file));
    } catch (const MidiFileError& e) {
      throw clara::cli::DataError(e.what());
    } catch (const std::system_error& e) {
      throw clara::cli::NoInputError(*file + ": " + e.what());
    }
  }
  const double start_after = args.get_double("--start-after", 0.5, 0.0, 3600.0);
  const double length = messages.empty() ? 0.0 : static_cast<double>(messages.back().time_ns) / 1e9;
  const double seconds =
      args.get_double("--seconds", messages.empty() ? 10.0 : start_after + length + 2.0, 0.0, 86400.0);

  const auto start_frame =
      probe.frame_time() + static_cast<std::uint32_t>(std::llround(start_after * probe.sample_rate()));
  if (!messages.empty()) {
    probe.play(messages, start_frame);
    std::cerr << "clara-jackprobe: playing " << messages.size() << " messages from frame " << start_frame << "\n";
  }
  if (auto path = args.get("--grid-out")) {
    std::ofstream out(*path);
    out << "song_tick\tframe\n";
    out.precision(15);
    for (std::size_t i = 0; i < grid_ns.size(); ++i)
      out << i << "\t" << static_cast<double>(start_frame) + grid_ns[i] * probe.sample_rate() / 1e9 << "\n";
    if (!out.flush()) throw clara::cli::DataError(*path + ": write failed");
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::vector<jackio::ProbeEvent> recorded, played;
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!g_stop && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    for (const auto& e : probe.take_recorded()) recorded.push_back(e);
    for (const auto& e : probe.take_played()) played.push_back(e);
  }
  for (const auto& e : probe.take_recorded()) recorded.push_back(e);
  for (const auto& e : probe.take_played()) played.push_back(e);

  auto write = [](const std::string& path, const std::vector<jackio::ProbeEvent>& events) {
    std::ofstream out(path);
    if (!out) throw clara::cli::DataError(path + ": cannot write");
    jackio::write_probe_events(out, events);
    if (!out.flush()) throw clara::cli::DataError(path + ": write failed");
  };
  if (auto path = args.get("--out"))
    write(*path, recorded);
  else
    jackio::write_probe_events(std::cout, recorded);
  if (auto path = args.get("--played-out")) write(*path, played);
  std::cerr << "clara-jackprobe: played " << played.size() << " of " << messages.size() << ", recorded "
            << recorded.size();
  if (probe.dropped()) std::cerr << ", lost " << probe.dropped() << " to full queues";
  std::cerr << "\n";
  return played.size() == messages.size() && probe.dropped() == 0 ? 0 : clara::cli::kSoftware;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace clara::cli;
  const OptionSpec spec = OptionSpec{}
                              .valued("--server", "NAME", "JACK server (default: the default server)")
                              .valued("--name", "CLIENT", "our client name (default clara-probe)")
                              .valued("--play", "FILE.mid", "MIDI file to play")
                              .valued("--play-to", "PORT", "connect our output to PORT")
                              .valued("--record-from", "PORT", "connect PORT to our input")
                              .valued("--start-after", "SEC", "start playing SEC seconds from now (default 0.5)")
                              .valued("--seconds", "SEC", "run time (default: file length + 2 s, or 10 s)")
                              .valued("--out", "events.tsv", "what was recorded (default: standard output)")
                              .valued("--played-out", "played.tsv", "what was played")
                              .valued("--clock", "BPM", "be a MIDI Clock master at BPM instead of playing a file")
                              .valued("--clock-bars", "N", "bars from Start to Stop (default 8)")
                              .valued("--clock-jitter-ms", "MS", "each tick moved by uniform +-MS (default 0)")
                              .valued("--clock-seed", "N", "the jitter's seed (default 1)")
                              .valued("--clock-ramp-to", "BPM", "ramp linearly to BPM")
                              .valued("--clock-ramp-from", "BAR", "the ramp starts at this bar (default 0)")
                              .valued("--clock-ramp-bars", "N", "the ramp's length in bars")
                              .valued("--grid-out", "grid.tsv", "the clock master's ideal grid");
  CLI::App app("clara-jackprobe: play a MIDI file into a JACK port, record what comes back.", "clara-jackprobe");
  app.set_version_flag("--version", std::string("clara-jackprobe ") + clara::kVersion, "print the version and exit");
  app.footer(std::string(kDescription) + "\n" + kExitCodesHelp);
  app.get_formatter()->column_width(26);
  app.get_formatter()->label("Usage", "usage");  // lower case, as the clara command
  declare(app, spec);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "clara-jackprobe: " << e.what() << "\nrun `clara-jackprobe --help` for usage\n";
    return kUsage;
  }
  try {
    return run(Args(app, spec));
  } catch (const UsageError& e) {
    std::cerr << "clara-jackprobe: " << e.what() << "\nrun `clara-jackprobe --help` for usage\n";
    return kUsage;
  } catch (const DataError& e) {
    std::cerr << "clara-jackprobe: " << e.what() << "\n";
    return kDataError;
  } catch (const NoInputError& e) {
    std::cerr << "clara-jackprobe: " << e.what() << "\n";
    return kNoInput;
  } catch (const std::exception& e) {
    std::cerr << "clara-jackprobe: " << e.what() << "\n";
    return kSoftware;
  }
}
