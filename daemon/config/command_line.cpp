#include "daemon/config/command_line.hpp"

#include <cstdio>

#include "daemon/log/logger.hpp"

#include <CLI/CLI.hpp>
#include <charconv>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <variant>

#include "clara_version.hpp"
#include "core/duet/meter.hpp"
#include "daemon/config/cc_controls.hpp"
#include "daemon/config/config_file.hpp"
#include "daemon/config/config_toml.hpp"
#include "daemon/config/setting_limits.hpp"
#include "daemon/midi/port_list.hpp"

namespace clara::daemon {

const char* exit_codes_text() {
  return R"(Exit codes (sysexits.h):
  0   stopped cleanly by a signal, every note ended
  64  bad flag or flag value (EX_USAGE)
  65  bad model file, or a model the duet cannot use (EX_DATAERR)
  66  model not found (EX_NOINPUT)
  69  MIDI server unavailable or lost, or the model too slow for this machine (EX_UNAVAILABLE)
  70  internal error; the session is still written where possible (EX_SOFTWARE)
  77  run as root without --allow-root (EX_NOPERM)
  78  bad config file (every unknown key, wrong type or value out of range listed, one a line), or
      unsafe configuration: OSC control on a non-loopback address without a token (EX_CONFIG)
SIGINT, SIGTERM and SIGQUIT stop cleanly: every sounding note is ended before the ports close.
SIGHUP reads the config file again and applies what changed while playing (docs/service.md).)";
}

namespace {

// What the line said, kept apart from the settings until the config file is read.
struct Flags {
  std::string config;
  std::optional<std::string> backend, model, mode, jack_server, client_name, human, clara, sessions, stats, log_level,
      learn;
  std::optional<std::string> sync, precision, device, meter, critic;
  std::optional<double> tempo, silence_beats, temperature, key_keeping;
  // Integers as written: CLI11 2.1 reads them with strtoull/strtoll, which takes "-1" for
  // 2^64-1, saturates on overflow and reads "010" as octal; integer() below does not.
  std::optional<std::string> channel, velocity, answer_bars, count_in, threads, seed, osc_port, candidates;
  std::vector<std::string> connect_in, connect_out;
  bool no_record = false, clock_out = false, metronome = false, verbose = false, quiet = false, no_osc = false, allow_root = false,
       print_config = false, list_ports = false;
};

void describe(CLI::App& app, Flags& f) {
  app.description(
      "Clara's real-time duet daemon: listens on a MIDI input port, plays its continuation on a MIDI\n"
      "output port, on time. JACK ports clara:midi_in / clara:midi_out; ALSA ports \"Clara In\" / \"Clara Out\".");
  app.footer(exit_codes_text());
  app.option_defaults()->always_capture_default(false);
  app.set_version_flag("--version", std::string("clarad ") + kVersion);
  app.add_option("--config", f.config,
                 "a clarad.toml; flags override it (default: the first of $XDG_CONFIG_HOME/clara/clarad.toml, "
                 "/etc/clara/clarad.toml)")
      ->option_text("FILE");
  app.add_flag("--list-ports", f.list_ports,
               "list the MIDI ports clarad could connect to (on --backend's server) and which the connect "
               "patterns take, then exit (69: no MIDI server answers)");
  app.add_flag("--print-config", f.print_config,
               "print the settings clarad would run with, as a clarad.toml naming where each came from, and exit");
  app.add_option("--backend", f.backend, "jack (default) or alsa")->check(CLI::IsMember({"jack", "alsa"}));
  app.add_option("--model", f.model, "a model folder, or the name of one under models/ (default notewise-piano)");
  app.add_option("--mode", f.mode,
                 "answer (default: call and response), accompany (play along), solo (play on alone), listen (silent)");
  app.add_option("--tempo", f.tempo, "grid tempo in bpm, " + limits::tempo.text() + " (default 120)")
      ->option_text("BPM");
  app.add_option("--meter", f.meter,
                 "time signature N/D of the grid's bars (3/4, 6/8: a bar is a whole number of quarter notes; "
                 "default 4/4; sets duet.beats_per_bar)")
      ->option_text("N/D");
  app.add_option("--sync", f.sync,
                 "tempo source: internal (default; --tempo), midi-clock (a MIDI Clock master on the input port), "
                 "follow (the human's own tempo, tracked from their playing, starting from --tempo) or "
                 "link (an Ableton Link session: UDP multicast on every network interface that is up)")
      ->option_text("SOURCE");
  app.add_flag("--clock-out", f.clock_out,
               "send MIDI Clock (24 a quarter on Clara's grid), Start and Stop on Clara's output port, for a drum "
               "machine or a DAW to follow (sets sync.clock_out)");
  app.add_flag("--metronome", f.metronome,
               "a click on Clara's output, channel 10, on every beat of her grid (on and off live: /clara/metronome; "
               "sets sync.metronome)");
  app.add_option("--count-in", f.count_in, "bars of click before Clara joins in (sets sync.count_in_bars)")
      ->option_text(limits::count_in_bars.text());
  app.add_option("--candidates", f.candidates,
                 "solo mode: each phrase the best of N candidates by the critic, when there is time (1 = off; "
                 "sets solo.candidates)")
      ->option_text(limits::solo_candidates.text());
  app.add_option("--critic", f.critic,
                 "the critic that ranks solo phrases: a folder or a name under models/ (default "
                 "critic-notewise-piano; sets solo.critic)")
      ->option_text("NAME|PATH");
  app.add_option("--jack-server", f.jack_server, "JACK server name (default: the default server)");
  app.add_option("--client-name", f.client_name, "JACK client / ALSA port name prefix (default clara)");
  app.add_option("--connect-in", f.connect_in, "connect ports whose name matches this regex to Clara's input (repeatable)")
      ->option_text("REGEX")->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--connect-out", f.connect_out, "connect Clara's output to ports matching this regex (repeatable)")
      ->option_text("REGEX")->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--human-instrument", f.human, "the human's part-table prefix (chamber models)")->option_text("PREFIX");
  app.add_option("--clara-instrument", f.clara, "Clara's part-table prefix (chamber models)")->option_text("PREFIX");
  app.add_option("--channel", f.channel, "Clara's MIDI channel")->option_text(limits::channel.text());
  app.add_option("--velocity", f.velocity, "fixed velocity (0 = follow the human)")
      ->option_text(limits::velocity.text());
  app.add_option("--answer-bars", f.answer_bars, "bars Clara answers with (default 2)")
      ->option_text(limits::answer_bars.text());
  app.add_option("--silence-beats", f.silence_beats, "beats of silence that end the human's phrase, " +
                                                         limits::answer_silence_beats.text() + " (default 1)")
      ->option_text("BEATS");
  // The whole of SamplerConfig::seed's type: the replay log records it in full.
  app.add_option("--seed", f.seed, "sampling seed (default 0)")->option_text(limits::seed_text);
  app.add_option("--temperature", f.temperature, "sampling temperature, " + limits::temperature.text())
      ->option_text("T");
  app.add_option("--key-keeping", f.key_keeping,
                 "how strongly Clara keeps the key of the human's recent notes, " + limits::key_keeping.text() +
                     " (default 1.5; 0 = off)")
      ->option_text("K");
  app.add_option("--threads", f.threads, "CPU threads for the model")->option_text(limits::threads.text());
  app.add_option("--precision", f.precision,
                 "step arithmetic: fp32, int8 or auto (default: measured at start, int8 where faster and as accurate)")
      ->check(CLI::IsMember({"fp32", "int8", "auto"}));
  app.add_option("--device", f.device,
                 "step device: cpu (Clara's kernels), cuda (LibTorch on the GPU) or auto (default: measured at "
                 "start, the faster)")
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
  app.add_option("--sessions", f.sessions, "where each session's MIDI file and replay log go "
                                           "(default $XDG_DATA_HOME/clara/sessions)")->option_text("DIR");
  app.add_flag("--no-record", f.no_record, "write no session files");
  app.add_option("--stats-file", f.stats, "write reaction and timing figures as JSON at exit")->option_text("FILE");
  app.add_option("--log-level", f.log_level, "error, warning, notice, info (default) or debug")
      ->check(CLI::IsMember({"error", "warning", "notice", "info", "debug"}));
  // No --token: a command line is visible to every user of the machine (ps, /proc).
  auto* osc_port = app.add_option("--osc-port", f.osc_port, "OSC control port, UDP and TCP (default 9000; 0 = off)")
                       ->option_text("PORT");
  app.add_flag("--no-osc", f.no_osc, "no OSC control (control.udp_port = control.tcp_port = 0)")->excludes(osc_port);
  app.add_option("--learn", f.learn, "bind the first MIDI controller moved to this control: " + cc_control_names())
      ->option_text("CONTROL");
  app.add_flag("--allow-root", f.allow_root, "run even as root (refused otherwise, exit code 77)");
  auto* v = app.add_flag("-v,--verbose", f.verbose, "log debug messages too");
  app.add_flag("-q,--quiet", f.quiet, "log warnings and errors only")->excludes(v);
}

template <typename T, typename U>
void set(const std::optional<T>& from, U& to) {
  if (from) to = *from;
}

// A decimal integer in `range`, the whole text of the flag's value; names the flag and the range.
std::int64_t integer(const char* flag, const std::string& text, const IntRange& range) {
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || !range.contains(v))
    throw SettingsError(std::string(flag) + " " + text + ": must be an integer in " + range.text());
  return v;
}

template <typename T>
void set_integer(const char* flag, const std::optional<std::string>& from, const IntRange& range, T& to) {
  if (from) to = static_cast<T>(integer(flag, *from, range));
}

std::uint64_t seed(const std::string& text) {
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size())
    throw SettingsError("--seed " + text + ": must be an integer in " + limits::seed_text);
  return v;
}

void set_real(const char* flag, const std::optional<double>& from, const RealRange& range, double& to) {
  if (!from) return;
  if (!range.contains(*from)) {
    std::ostringstream os;
    os << *from;
    throw SettingsError(std::string(flag) + " " + os.str() + ": must be a number in " + range.text());
  }
  to = *from;
}

}  // namespace

CommandLine parse_command_line(const std::vector<std::string>& args, DaemonSettings& s, const ConfigLocation* config) {
  CommandLine cl;
  Flags f;
  CLI::App app{"", "clarad"};
  describe(app, f);
  // Help and version answer whatever else the line holds: a user asks for help
  // precisely when something else on it is wrong.
  for (const auto& a : args) {
    if (a == "--") break;
    if (a == "-h" || a == "--help") return cl.help = true, cl.help_text = app.help(), cl;
    if (a == "--version") return cl.version = true, cl.help_text = app.version(), cl;
  }
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them last-first
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    cl.help = true;
    cl.help_text = app.help();
    return cl;
  } catch (const CLI::CallForVersion&) {
    cl.version = true;
    cl.help_text = app.version();
    return cl;
  } catch (const CLI::ParseError& e) {
    throw SettingsError(std::string(e.what()) + " (see clarad --help)");
  }
  cl.config = config ? *config : find_config_file(f.config);
  if (!cl.config.path.empty()) load_config_file(cl.config.path, s, &cl.sources);

  // Where each flag's value goes, for --print-config.
  auto from = [&](bool given, const char* flag, std::initializer_list<const char*> keys) {
    if (given)
      for (const char* key : keys) cl.sources.set(key, flag);
  };
  from(f.backend.has_value(), "--backend", {"midi.backend"});
  from(f.model.has_value(), "--model", {"model.name"});
  from(f.mode.has_value(), "--mode", {"duet.mode"});
  from(f.tempo.has_value(), "--tempo", {"duet.tempo"});
  from(f.meter.has_value(), "--meter", {"duet.beats_per_bar"});
  from(f.sync.has_value(), "--sync", {"sync.source"});
  from(f.clock_out, "--clock-out", {"sync.clock_out"});
  from(f.metronome, "--metronome", {"sync.metronome"});
  from(f.count_in.has_value(), "--count-in", {"sync.count_in_bars"});
  from(f.candidates.has_value(), "--candidates", {"solo.candidates"});
  from(f.critic.has_value(), "--critic", {"solo.critic"});
  from(f.jack_server.has_value(), "--jack-server", {"midi.jack_server"});
  from(f.client_name.has_value(), "--client-name", {"midi.client_name"});
  from(!f.connect_in.empty(), "--connect-in", {"midi.connect_input"});
  from(!f.connect_out.empty(), "--connect-out", {"midi.output[0].connect"});
  from(f.human.has_value(), "--human-instrument", {"duet.human_instrument"});
  from(f.clara.has_value(), "--clara-instrument", {"duet.clara_instrument"});
  from(f.channel.has_value(), "--channel", {"duet.clara_channel"});
  from(f.velocity.has_value(), "--velocity", {"duet.velocity"});
  from(f.answer_bars.has_value(), "--answer-bars", {"duet.answer_bars"});
  from(f.silence_beats.has_value(), "--silence-beats", {"duet.answer_silence_beats"});
  from(f.seed.has_value(), "--seed", {"sampler.seed"});
  from(f.temperature.has_value(), "--temperature", {"sampler.temperature"});
  from(f.key_keeping.has_value(), "--key-keeping", {"sampler.key_keeping"});
  from(f.threads.has_value(), "--threads", {"model.threads"});
  from(f.precision.has_value(), "--precision", {"model.precision"});
  from(f.device.has_value(), "--device", {"model.device"});
  from(f.sessions.has_value(), "--sessions", {"session.dir"});
  from(f.no_record, "--no-record", {"session.record"});
  from(f.stats.has_value(), "--stats-file", {"stats_file"});
  from(f.log_level.has_value(), "--log-level", {"log.level"});
  from(f.osc_port.has_value(), "--osc-port", {"control.udp_port", "control.tcp_port"});
  from(f.no_osc, "--no-osc", {"control.udp_port", "control.tcp_port"});
  from(f.learn.has_value(), "--learn", {"control.learn"});
  from(f.verbose, "--verbose", {"log.level"});
  from(f.quiet, "--quiet", {"log.level"});

  set(f.backend, s.backend);
  set(f.model, s.model);
  if (f.mode) {
    try {
      s.duet.mode = parse_duet_mode(*f.mode);
    } catch (const std::exception& e) {
      throw SettingsError(std::string("--mode: ") + e.what());
    }
  }
  set_real("--tempo", f.tempo, limits::tempo, s.duet.bpm);
  if (f.meter) {
    const auto meter = parse_meter(*f.meter);
    if (const auto* why = std::get_if<std::string>(&meter)) throw SettingsError("--meter: " + *why);
    s.duet.beats_per_bar = std::get<Meter>(meter).quarters_per_bar();
  }
  if (f.sync) {
    if (auto why = tempo_source_refusal(*f.sync)) throw SettingsError("--sync: " + *why);
    s.sync.source = *f.sync;
  }
  set(f.jack_server, s.midi.jack_server);
  set(f.client_name, s.midi.client_name);
  if (!f.connect_in.empty()) s.midi.connect_input = f.connect_in;
  if (!f.connect_out.empty()) s.midi.outputs.front().connect = f.connect_out;
  if (f.human) s.duet.human_prefix = *f.human, s.human_instrument_given = true;
  if (f.clara) s.duet.clara_prefix = *f.clara, s.clara_instrument_given = true;
  if (f.channel) {
    const int channel = static_cast<int>(integer("--channel", *f.channel, limits::channel)) - 1;
    s.duet.clara_channel = channel;
    for (std::size_t i = 0; i < s.routes.size(); ++i)
      if (s.routes[i].instrument == s.duet.clara_prefix) {
        s.routes[i].channel = channel;
        cl.sources.set("route[" + std::to_string(i) + "].channel", "--channel");
      }
  }
  set_integer("--velocity", f.velocity, limits::velocity, s.duet.fixed_velocity);
  set_integer("--answer-bars", f.answer_bars, limits::answer_bars, s.duet.answer_bars);
  set_real("--silence-beats", f.silence_beats, limits::answer_silence_beats, s.duet.answer_silence_beats);
  if (f.seed) s.duet.sampler.seed = seed(*f.seed);
  set_real("--temperature", f.temperature, limits::temperature, s.duet.sampler.temperature);
  set_real("--key-keeping", f.key_keeping, limits::key_keeping, s.duet.sampler.key_keeping);
  set_integer("--threads", f.threads, limits::threads, s.threads);
  set(f.precision, s.precision);
  set(f.device, s.device);
  set(f.sessions, s.sessions_dir);
  if (f.no_record) s.record_sessions = false;
  if (f.clock_out) s.sync.clock_out = true;
  if (f.metronome) s.sync.metronome = true;
  set_integer("--count-in", f.count_in, limits::count_in_bars, s.sync.count_in_bars);
  set_integer("--candidates", f.candidates, limits::solo_candidates, s.solo.candidates);
  if (f.critic) {
    if (f.critic->empty()) throw SettingsError("--critic: must name a critic (a folder, or a name under models/)");
    s.solo.critic = *f.critic;
  }
  set(f.stats, s.stats_file);
  set(f.log_level, s.log_level);
  if (f.osc_port)
    s.control.udp_port = s.control.tcp_port = static_cast<int>(integer("--osc-port", *f.osc_port, limits::port));
  if (f.no_osc) s.control.udp_port = s.control.tcp_port = 0;
  if (f.learn) {
    if (!f.learn->empty() && !find_cc_control(*f.learn))
      throw SettingsError("--learn " + *f.learn + ": not a control; use one of " + cc_control_names());
    s.control.learn = *f.learn;
  }
  if (f.allow_root) s.allow_root = true;
  if (f.verbose) s.log_level = "debug";
  if (f.quiet) s.log_level = "warning";

  s.validate();
  try {
    s.duet.sampler.validate();
  } catch (const std::exception& e) {
    throw SettingsError(e.what());
  }
  cl.list_ports = f.list_ports;
  if (f.print_config) {
    cl.print_config = true;
    cl.config_text = config_toml(s, cl.sources,
                                 "clarad --print-config: the settings clarad would run with, each with where it came\n"
                                 "from. clarad --config FILE reads this back to the same settings, but for the\n"
                                 "control token, which is never shown.\n" +
                                     cl.config.describe());
  }
  return cl;
}

std::optional<int> parse_command_line_or_exit(const std::vector<std::string>& args, DaemonSettings& settings,
                                              ConfigLocation* found) {
  try {
    const CommandLine cl = parse_command_line(args, settings);
    if (found) *found = cl.config;
    if (cl.help || cl.version) {
      std::fputs(cl.help_text.c_str(), stdout);
      std::fputc('\n', stdout);
      return 0;
    }
    if (cl.print_config) {
      std::fputs(cl.config_text.c_str(), stdout);
      return 0;
    }
    if (cl.list_ports) {
      try {
        const PortListing ports = list_midi_ports(settings.backend, settings.midi);
        std::fputs(describe_port_listing(settings.backend, ports, settings.midi).c_str(), stdout);
        return 0;
      } catch (const BackendError& e) {
        log::error("%s", e.what());
        return 69;
      }
    }
    log::Level level;
    if (log::parse_level(settings.log_level, level)) log::set_level(level);
    log::info("%s", cl.config.describe().c_str());
  } catch (const SettingsError& e) {
    // A config file's problems one per line, so each is a log line of its own (and a
    // journal entry of its own under systemd).
    std::istringstream lines(e.what());
    for (std::string line; std::getline(lines, line);) log::error("%s", line.c_str());
    return e.exit_code();
  }
  return std::nullopt;
}

}  // namespace clara::daemon
