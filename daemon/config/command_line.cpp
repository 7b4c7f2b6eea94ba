#include "daemon/config/command_line.hpp"

#include <cmath>
#include <cstdlib>

#include "daemon/config/config_file.hpp"

namespace clara::daemon {
namespace {

double number(const std::string& flag, const std::string& v) {
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !std::isfinite(x)) throw SettingsError(flag + " '" + v + "': not a number");
  return x;
}

int integer(const std::string& flag, const std::string& v) {
  const double x = number(flag, v);
  if (x != std::floor(x) || std::fabs(x) > 1e9) throw SettingsError(flag + " '" + v + "': not an integer");
  return static_cast<int>(x);
}

}  // namespace

const char* usage_text() {
  return R"(usage: clarad [--config FILE] [--backend jack|alsa] [--model NAME|PATH] [--mode MODE] [--tempo BPM]
              [--jack-server NAME] [--client-name NAME] [--connect-in REGEX]... [--connect-out REGEX]...
              [--human-instrument PREFIX] [--clara-instrument PREFIX] [--channel 1..16] [--velocity 1..127]
              [--answer-bars N] [--silence-beats B] [--seed S] [--temperature T] [--threads N]
              [--sessions DIR] [--no-record] [--stats-file FILE]

Clara's real-time duet daemon: listens on a MIDI input port, plays its continuation on a MIDI
output port, on time. JACK ports clara:midi_in / clara:midi_out; ALSA ports "Clara In" / "Clara Out".

  --mode MODE     answer (default: call and response), accompany (play along), solo (play on
                  alone), listen (silent)
  --tempo BPM     grid tempo (default 120)
  --model M       a model folder, or the name of one under models/ (default notewise-piano)
  --connect-in R  connect every port whose name matches the regex R to Clara's input (repeatable)
  --connect-out R connect Clara's output to every port matching R (repeatable)
  --sessions DIR  where each session's MIDI file and replay log go (default
                  $XDG_DATA_HOME/clara/sessions); --no-record writes none
  --stats-file F  write reaction and timing figures as JSON at exit
SIGINT/SIGTERM stop cleanly: every sounding note is ended before the ports close.
)";
}

CommandLine parse_command_line(const std::vector<std::string>& args, DaemonSettings& s) {
  CommandLine cl;
  // The config file first, so flags override it wherever they stand.
  for (std::size_t i = 0; i < args.size(); ++i)
    if (args[i] == "--config") {
      if (i + 1 >= args.size()) throw SettingsError("--config needs a file");
      load_config_file(args[i + 1], s);
    }
  bool outputs_connect_cleared = false, inputs_cleared = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw SettingsError(a + " needs a value");
      return args[++i];
    };
    if (a == "--help" || a == "-h") cl.help = true;
    else if (a == "--version") cl.version = true;
    else if (a == "--config") ++i;
    else if (a == "--backend") s.backend = value();
    else if (a == "--model") s.model = value();
    else if (a == "--mode") {
      const std::string& v = value();
      try {
        s.duet.mode = parse_duet_mode(v);
      } catch (const std::exception& e) {
        throw SettingsError(std::string("--mode: ") + e.what());
      }
    } else if (a == "--tempo") s.duet.bpm = number(a, value());
    else if (a == "--jack-server") s.midi.jack_server = value();
    else if (a == "--client-name") s.midi.client_name = value();
    else if (a == "--connect-in") {
      if (!inputs_cleared) s.midi.connect_input.clear(), inputs_cleared = true;
      s.midi.connect_input.push_back(value());
    } else if (a == "--connect-out") {
      if (!outputs_connect_cleared) s.midi.outputs.front().connect.clear(), outputs_connect_cleared = true;
      s.midi.outputs.front().connect.push_back(value());
    } else if (a == "--human-instrument") s.duet.human_prefix = value(), s.human_instrument_given = true;
    else if (a == "--clara-instrument") s.duet.clara_prefix = value(), s.clara_instrument_given = true;
    else if (a == "--channel") {
      const int c = integer(a, value());
      if (c < 1 || c > 16) throw SettingsError("--channel must be 1..16");
      s.duet.clara_channel = c - 1;
      for (auto& r : s.routes)
        if (r.instrument == s.duet.clara_prefix) r.channel = c - 1;
    } else if (a == "--velocity") s.duet.fixed_velocity = integer(a, value());
    else if (a == "--answer-bars") s.duet.answer_bars = integer(a, value());
    else if (a == "--silence-beats") s.duet.answer_silence_beats = number(a, value());
    else if (a == "--seed") s.duet.sampler.seed = static_cast<std::uint64_t>(integer(a, value()));
    else if (a == "--temperature") s.duet.sampler.temperature = number(a, value());
    else if (a == "--threads") s.threads = integer(a, value());
    else if (a == "--sessions") s.sessions_dir = value();
    else if (a == "--no-record") s.record_sessions = false;
    else if (a == "--stats-file") s.stats_file = value();
    else throw SettingsError("unknown option '" + a + "' (see clarad --help)");
  }
  s.validate();
  try {
    s.duet.sampler.validate();
  } catch (const std::exception& e) {
    throw SettingsError(e.what());
  }
  return cl;
}

}  // namespace clara::daemon
