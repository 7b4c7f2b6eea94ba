#include "tools/clara/live_demo.hpp"

#include <nlohmann/json.hpp>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <jack/jack.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>
#include <variant>
#include <vector>

#include "core/duet/meter.hpp"
#include "core/midi/midi_file.hpp"
#include "core/render/piano_roll.hpp"
#include "tools/clara/cli.hpp"
#include "tools/clara/soundfont_search.hpp"
#include "tools/clara/wav_render.hpp"
#include "tools/jackio/jack_probe.hpp"
#include "tools/jackio/probe_events.hpp"
#include "tools/jackio/score_messages.hpp"

extern char** environ;

namespace clara::cli {
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;
// --follow's tempo drift: +-3 %, as issue 13's benchmark.
constexpr double kDrift = 0.03;

namespace {

// A child process we started and must stop: SIGTERM, then wait (SIGKILL after a grace time).
class Child {
 public:
  Child(const std::vector<std::string>& argv, const fs::path& log) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int rc = posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw DataError("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
  ~Child() { stop(); }
  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      status_ = status;
      pid_ = -1;
      return false;
    }
    return true;
  }
  // Returns the exit status (or -1 when killed).
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000)) {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      const auto deadline = clock_type::now() + grace;
      while (running() && clock_type::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      if (pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status_, 0);
        pid_ = -1;
      }
    }
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
  }

 private:
  pid_t pid_ = -1;
  int status_ = 0;
};

std::string read_file(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// A number from clarad's stats JSON; nullopt when absent, not a number, or the file unreadable.
std::optional<double> json_number(const std::string& json, const std::string& key) {
  const auto j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains(key) || !j[key].is_number()) return std::nullopt;
  return j[key].get<double>();
}

// The notes between two quarters of the sample, moved to start at 0.
Score excerpt(const Score& s, double from, double to) {
  Score e = s;
  for (auto& p : e.parts) {
    std::vector<Note> kept;
    for (const auto& n : p.notes)
      if (n.start >= from - 1e-9 && n.start < to - 1e-9) kept.push_back(Note{n.pitch, n.start - from, std::min(n.end, to) - from, n.velocity});
    p.notes = kept;
  }
  e.tempo_map = {TempoChange{0, s.tempo_map.empty() ? 120.0 : s.tempo_map.front().bpm}};
  return e;
}

Part part_from_events(const std::vector<jackio::ProbeEvent>& events, std::uint32_t frame0, double rate, double bpm,
                      std::uint32_t end_frame, const std::string& name, int channel) {
  Part p;
  p.name = name;
  p.channel = channel;
  auto q = [&](std::uint32_t f) { return static_cast<double>(static_cast<std::int64_t>(f - frame0)) / rate * bpm / 60.0; };
  std::map<int, std::vector<std::pair<std::uint32_t, int>>> open;
  for (const auto& e : events) {
    if (e.msg.is_note_on()) open[e.msg.data1].emplace_back(e.frame, e.msg.data2);
    else if (e.msg.is_note_off() && !open[e.msg.data1].empty()) {
      auto [on, vel] = open[e.msg.data1].front();
      open[e.msg.data1].erase(open[e.msg.data1].begin());
      p.notes.push_back(Note{e.msg.data1, q(on), q(e.frame), vel});
    }
  }
  for (auto& [key, ons] : open)
    for (auto [on, vel] : ons) p.notes.push_back(Note{key, q(on), q(end_frame), vel});
  std::sort(p.notes.begin(), p.notes.end(), [](const Note& a, const Note& b) { return a.start < b.start; });
  return p;
}

// --follow: the phrase played with a drift, its tempo map a step a beat along
// base * (1 + 3 % sin(2 pi q / 24)), q counted in beats from the sample's start.
void drift(Score& phrase, double from_quarter, double length, double base) {
  phrase.tempo_map.clear();
  for (double q = 0; q < length; q += 1)
    phrase.tempo_map.push_back(TempoChange{q, base * (1 + kDrift * std::sin(2 * M_PI * (from_quarter + q) / 24))});
}

// The grid's tempo changes clarad's session recorded ("step N tempo BPM" in replay.log).
std::vector<double> session_tempos(const fs::path& sessions) {
  std::vector<double> tempos;
  std::error_code ec;
  for (const auto& d : fs::directory_iterator(sessions, ec)) {
    std::ifstream f(d.path() / "replay.log");
    std::string line;
    while (std::getline(f, line)) {
      std::istringstream in(line);
      std::string step, n, kind;
      double bpm = 0;
      if (in >> step >> n >> kind >> bpm && step == "step" && kind == "tempo") tempos.push_back(bpm);
    }
  }
  return tempos;
}

void quiet(const char*) {}

bool server_running(const std::string& server) {
  try {
    jackio::JackProbe probe(server, "clara-demo-check");
    return true;
  } catch (const jackio::JackProbeError&) {
    return false;
  }
}

}  // namespace

int run_live_demo(const LiveDemoOptions& o) {
  if (!fs::exists(o.sample)) throw NoInputError(o.sample.string() + ": no such file");
  const fs::path self = fs::read_symlink("/proc/self/exe");
  const fs::path clarad = self.parent_path() / "clarad";
  if (!fs::exists(clarad)) throw NoInputError(clarad.string() + ": not built (clarad needs LibTorch)");
  const fs::path work = fs::temp_directory_path() / ("clara-demo-" + std::to_string(::getpid()));
  fs::create_directories(work);
  // libjack prints to stderr each time a server is not there; asking is part of the plan here.
  jack_set_error_function(quiet);
  jack_set_info_function(quiet);
  setenv("JACK_NO_START_SERVER", "1", 1);
  setenv("JACK_NO_AUDIO_RESERVATION", "1", 1);  // jackd without D-Bus device reservation

  // 1. A JACK server: the user's if one runs, else our own dummy one (no sound card needed).
  std::string server = o.server;
  std::optional<Child> jackd;
  if (!server_running(server)) {
    if (server.empty()) server = "clara-demo-" + std::to_string(::getpid());
    std::cout << "clara demo: no JACK server running; starting one with the dummy driver "
                 "(jackd -n " << server << " -d dummy -r 48000 -p 128)\n";
    jackd.emplace(std::vector<std::string>{"/usr/bin/jackd", "-n", server, "-S", "-d", "dummy", "-r", "48000", "-p", "128"},
                  work / "jackd.log");
    const auto deadline = clock_type::now() + std::chrono::seconds(10);
    while (!server_running(server)) {
      if (!jackd->running() || clock_type::now() > deadline)
        throw DataError("jackd did not start:\n" + read_file(work / "jackd.log"));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  } else {
    std::cout << "clara demo: using the running JACK server" << (server.empty() ? "" : " '" + server + "'") << "\n";
  }

  // The sample first: clarad runs at its tempo and metre, so that Clara answers in the time the
  // human plays and the duet's bar lines fall where the music's do.
  Score sample;
  try {
    sample = read_midi_file(o.sample);
  } catch (const MidiFileError& e) {
    throw DataError(e.what());
  }
  const double bpm = sample.tempo_map.empty() ? 120.0 : sample.tempo_map.front().bpm;
  Meter meter;
  if (!sample.time_signatures.empty()) {
    const auto m = make_meter(sample.time_signatures.front().numerator, sample.time_signatures.front().denominator);
    if (const auto* why = std::get_if<std::string>(&m))
      std::cout << "clara demo: " << o.sample.filename().string() << ": " << *why << "; the grid keeps 4/4\n";
    else
      meter = std::get<Meter>(m);
  }
  char bpm_text[32];
  std::snprintf(bpm_text, sizeof bpm_text, "%.6g", bpm);
  // With --follow clarad starts at its default tempo and must find the human's.
  const std::string grid_text = o.follow ? std::string("120") : std::string(bpm_text);

  // 2. clarad with the default model, in answer mode, at the sample's tempo and metre.
  // On our own server the ports are clara:midi_in/out, as the README says; on the user's
  // server a clarad may already hold the name "clara".
  const std::string client = jackd ? std::string("clara") : "clara-demo-" + std::to_string(::getpid() % 10000);
  const fs::path stats = work / "stats.json";
  std::vector<std::string> cmd{clarad.string(), "--model", o.model, "--mode", "answer", "--tempo", grid_text,
                               "--meter", meter.text(),
                               "--client-name", client, "--sessions", (work / "sessions").string(),
                               "--stats-file", stats.string(), "--seed", std::to_string(o.seed),
                               // The demo plays the human's part itself; a clarad the user runs keeps port 9000.
                               "--no-osc"};
  if (o.follow) cmd.insert(cmd.end(), {"--sync", "follow"});
  if (!server.empty()) cmd.insert(cmd.end(), {"--jack-server", server});
  // clarad refuses root (exit 77) unless told; a demo run by root is its user's choice, so say it for them.
  if (::geteuid() == 0) cmd.emplace_back("--allow-root");
  const auto t_spawn = clock_type::now();
  Child daemon(cmd, work / "clarad.log");

  // 3. The player: a JACK client that plays the phrase into clarad and records its answer.
  jackio::JackProbe probe(server, "clara-demo-player");
  const std::string in = client + ":midi_in", out = client + ":midi_out";
  for (;;) {
    try {
      probe.connect(probe.output_port(), in);
      probe.connect(out, probe.input_port());
      break;
    } catch (const jackio::JackProbeError&) {
      if (!daemon.running())
        throw DataError("clarad stopped before it was ready:\n" + read_file(work / "clarad.log"));
      if (clock_type::now() - t_spawn > std::chrono::seconds(60)) throw DataError("clarad did not open its ports in 60 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  const double ready_s = std::chrono::duration<double>(clock_type::now() - t_spawn).count();

  // Two phrases of four bars; the second comes in while Clara is still answering the
  // first, to show her yield, then she answers it in full.
  const double bar = meter.quarters_per_bar();
  Score phrase1 = excerpt(sample, 0, 4 * bar), phrase2 = excerpt(sample, 4 * bar, 8 * bar);
  if (o.follow) {
    drift(phrase1, 0, 4 * bar, bpm);
    drift(phrase2, 4 * bar, 4 * bar, bpm);
  }
  const double p1_len = jackio::seconds_at(phrase1, 4 * bar), p2_len = jackio::seconds_at(phrase2, 4 * bar);
  const double gap = 3.0, tail = 5.5;
  std::vector<TimedMessage> play = jackio::messages_from_score(phrase1);
  for (auto m : jackio::messages_from_score(phrase2)) {
    m.time_ns += static_cast<std::int64_t>((p1_len + gap) * 1e9);
    play.push_back(m);
  }
  const double rate = probe.sample_rate();
  const std::uint32_t start = probe.frame_time() + static_cast<std::uint32_t>(0.5 * rate);
  const double total = p1_len + gap + p2_len + tail;
  std::cout << "clara demo: clarad ready in " << std::lround(ready_s * 1000) << " ms at " << grid_text << " bpm in "
            << meter.text() << "; playing " << o.sample.filename().string()
            << " bars 1-4, then bars 5-8 while Clara answers (" << std::lround(total) << " s)\n";
  if (o.follow)
    std::cout << "clara demo: --follow: the human plays at " << bpm_text << " bpm drifting +-3 %; clarad starts at "
              << grid_text << " bpm with --sync follow and must find their tempo\n";
  probe.play(play, start);
  std::vector<jackio::ProbeEvent> played, heard;
  const auto t_end = clock_type::now() + std::chrono::duration<double>(total + 0.5);
  while (clock_type::now() < t_end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (auto& e : probe.take_played()) played.push_back(e);
    for (auto& e : probe.take_recorded()) heard.push_back(e);
    if (!daemon.running()) throw DataError("clarad stopped during the demo:\n" + read_file(work / "clarad.log"));
  }
  const int daemon_rc = daemon.stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the panic's messages arrive
  for (auto& e : probe.take_played()) played.push_back(e);
  for (auto& e : probe.take_recorded()) heard.push_back(e);
  const std::uint32_t end_frame = start + static_cast<std::uint32_t>(total * rate);
  {  // Both sides as the ports saw them, frame by frame, for anyone checking the figures.
    std::ofstream p(work / "played.tsv"), h(work / "heard.tsv");
    jackio::write_probe_events(p, played);
    jackio::write_probe_events(h, heard);
  }

  // 4. The duet file and picture, on the sample's tempo and metre: clarad's grid, or with --follow
  // the human's, which clarad follows.
  Score duet;
  duet.tempo_map = {TempoChange{0, bpm}};
  duet.time_signatures = {TimeSignature{0, meter.numerator, meter.denominator}};
  duet.parts.push_back(part_from_events(played, start, rate, bpm, end_frame, "Human", 0));
  duet.parts.push_back(part_from_events(heard, start, rate, bpm, end_frame, "Clara (" + o.model + ")", 1));
  duet.parts[0].track = 1, duet.parts[1].track = 2;
  write_midi_file(o.out_midi, duet);
  PianoRollOptions ro;
  ro.title = o.follow ? std::string("clara demo --follow: human (blue) and Clara (orange), answer mode, following the human")
                      : std::string("clara demo: human (blue) and Clara (orange), answer mode, ") + bpm_text + " bpm, " +
                            meter.text();
  {
    const std::string png = piano_roll_image(duet, ro, ImageFormat::png);
    std::ofstream f(o.out_png, std::ios::binary | std::ios::trunc);
    f.write(png.data(), static_cast<std::streamsize>(png.size()));
    if (!f) throw std::runtime_error(o.out_png.string() + ": cannot write");
  }

  // 5. Reaction, measured at the ports: each phrase's last note-off plus the one-beat
  // silence that ends it, to Clara's first note-on after it.
  const double beat_frames = rate * 60.0 / bpm;
  std::vector<double> reactions_ms;
  std::uint32_t phrase2_on = 0;
  for (const auto& e : played)
    if (e.msg.is_note_on() && e.frame >= start + static_cast<std::uint32_t>((p1_len + gap - 0.01) * rate)) {
      phrase2_on = e.frame;
      break;
    }
  std::uint32_t off1 = 0, off2 = 0;  // last note-off of each phrase
  for (const auto& e : played)
    if (e.msg.is_note_off()) (phrase2_on && e.frame >= phrase2_on ? off2 : off1) = e.frame;
  for (std::uint32_t last_off : {off1, off2}) {
    if (last_off == 0) continue;
    const double condition = last_off + beat_frames;
    for (const auto& e : heard)
      if (e.msg.is_note_on() && e.frame > last_off) {
        reactions_ms.push_back((e.frame - condition) * 1000.0 / rate);
        break;
      }
  }
  std::size_t clara_notes = 0, late_offs = 0;
  for (const auto& e : heard) clara_notes += e.msg.is_note_on();
  // Clara's notes still sounding two grid steps after the human came back in.
  std::map<int, int> depth;
  for (const auto& e : heard) {
    if (phrase2_on && e.frame > phrase2_on + 2 * beat_frames / 12 + 128) break;
    if (e.msg.is_note_on()) ++depth[e.msg.data1];
    if (e.msg.is_note_off() && depth[e.msg.data1] > 0) --depth[e.msg.data1];
  }
  for (auto [k, d] : depth) late_offs += static_cast<std::size_t>(d);

  const std::string json = read_file(stats);
  std::cout << "clara demo: Clara played " << clara_notes << " notes; duet -> " << o.out_midi.string() << ", piano roll -> "
            << o.out_png.string() << "\n";
  std::cout << "  reaction at the ports (phrase end = last note-off + 1 beat, to Clara's first note):";
  for (double r : reactions_ms) std::cout << " " << std::lround(r * 10) / 10.0 << " ms";
  // notewise-piano's grid: 12 steps a quarter note; a JACK period of 128 frames.
  const double goal_ms = 60000.0 / bpm / 12 + 128 * 1000.0 / rate;
  std::cout << "  (goal <= " << std::lround(goal_ms * 10) / 10.0 << " ms: one grid step at " << bpm_text
            << " bpm + one JACK period)\n";
  if (phrase2_on)
    std::cout << "  when the human came back in, Clara had " << late_offs
              << " notes still sounding two grid steps later (0 = she yielded)\n";
  auto fig = [&](const char* key) { return json_number(json, key).value_or(-1); };
  std::cout << "  clarad's own figures: reaction " << fig("reaction_max_ms") << " ms max, onset error p99 "
            << fig("onset_error_p99_us") << " us (max " << fig("onset_error_max_us") << " us), late messages "
            << fig("late") << " of " << fig("output_messages") << ", start-up " << std::lround(fig("startup_ms"))
            << " ms, peak RSS " << std::lround(fig("peak_rss_kb") / 1024) << " MB, " << fig("tokens_committed")
            << " tokens, " << fig("rollbacks") << " rollbacks\n";
  if (o.follow) {
    // What clarad logged when its tracker locked, and the grid's tempo as the session recorded it.
    std::istringstream log(read_file(work / "clarad.log"));
    std::string line, locked;
    while (std::getline(log, line))
      if (line.find("follow: locked") != std::string::npos) locked = line.substr(line.find("follow:"));
    const std::vector<double> tempos = session_tempos(work / "sessions");
    std::ostringstream s;
    s << std::fixed << std::setprecision(1);
    s << "  following: " << (locked.empty() ? "clarad never locked on the human's beat" : "clarad logged '" + locked + "'")
      << "; the human played " << bpm * (1 - kDrift) << "-" << bpm * (1 + kDrift) << " bpm\n";
    if (tempos.empty()) {
      s << "  the grid's tempo never moved from 120 bpm: Clara did not follow\n";
    } else {
      const auto [lo, hi] = std::minmax_element(tempos.begin(), tempos.end());
      s << "  Clara followed: her grid moved " << tempos.size() << " times from 120 bpm, between " << *lo << " and "
        << *hi << " bpm, ending at " << tempos.back() << " bpm\n";
    }
    std::cout << s.str();
  }
  std::cout << "  clarad's session (MIDI, replay log, tokens): " << (work / "sessions").string()
            << "; the ports' events: " << (work / "played.tsv").string() << ", heard.tsv\n";
  if (jackd) jackd->stop();
  // 6. The duet as sound, offline, when there is a SoundFont to play it with.
  if (const SoundfontSearch font = find_soundfont(); font.found) {
    try {
      const WavResult r = render_wav(duet, *font.found, AudioRenderOptions{}, o.out_wav);
      std::cout << "  listen: " << o.out_wav.string() << " (" << std::lround(r.seconds) << " s, rendered offline with "
                << font.found->filename().string() << ")\n";
    } catch (const std::exception& e) {
      std::cout << "  no " << o.out_wav.string() << ": " << e.what() << "\n";
    }
  } else {
    std::cout << "  no " << o.out_wav.string() << ": no SoundFont found (looked at " << font.looked_at_text()
              << "); install Debian's fluid-soundfont-gm to hear the duet\n";
  }
  if (daemon_rc != 0) {
    std::cerr << "clara demo: clarad exited with " << daemon_rc << ":\n" << read_file(work / "clarad.log");
    return kSoftware;
  }
  return clara_notes > 0 ? kOk : kSoftware;
}

}  // namespace clara::cli
