#include "daemon/config/config_toml.hpp"

#include <charconv>
#include <limits>
#include <sstream>
#include <toml++/toml.h>

namespace clara::daemon {

namespace {

// Values as TOML. Strings go through toml++'s own formatter, which knows TOML's escapes;
// one-line basic strings only, so that every key is one line.
std::string quoted(const std::string& s) {
  std::ostringstream os;
  os << toml::toml_formatter{toml::value<std::string>(s), toml::format_flags::allow_unicode_strings};
  return os.str();
}

std::string quoted(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + quoted(v[i]);
  return out + "]";
}

// The shortest text that reads back to exactly `v`, always a TOML float ("2.0", "1e-05").
std::string real(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, ec == std::errc() ? end : buf);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";  // "n": nan and inf stay as they are
  return s;
}

std::string boolean(bool v) { return v ? "true" : "false"; }

class Writer {
 public:
  explicit Writer(const SettingSources& sources) : sources_(sources) {}

  void comment(const std::string& text) { out_ << "# " << text << "\n"; }
  void blank() { out_ << "\n"; }
  void table(const std::string& header) { out_ << "\n" << header << "\n"; }

  // `name = value` and where it came from; `key` is the source's key ("route[0].channel").
  void key(const std::string& name, const std::string& value, const std::string& key) {
    key_from(name, value, origin(key));
  }
  void key_from(const std::string& name, const std::string& value, const std::string& from) {
    std::string line = name + " = " + value;
    if (line.size() < kCommentColumn) line.resize(kCommentColumn, ' ');
    else line += "  ";
    out_ << line << "# " << from << "\n";
  }

  std::string origin(const std::string& key) const { return sources_.of(key); }
  std::string text() const { return out_.str(); }

 private:
  static constexpr std::size_t kCommentColumn = 34;
  const SettingSources& sources_;
  std::ostringstream out_;
};

std::string panic_channels(std::uint16_t mask) {
  std::string out = "[";
  for (int ch = 1; ch <= 16; ++ch)
    if (mask & (1u << (ch - 1))) out += (out.size() > 1 ? ", " : "") + std::to_string(ch);
  return out + "]";
}

}  // namespace

std::string config_toml(const DaemonSettings& s, const SettingSources& sources, const std::string& header) {
  Writer w(sources);
  if (!header.empty()) {
    std::istringstream lines(header);
    for (std::string line; std::getline(lines, line);) w.comment(line);
  }
  if (s.allow_root) w.comment("allow_root: set by --allow-root, which no config key holds");

  w.table("[midi]");
  w.key("backend", quoted(s.backend), "midi.backend");
  w.key("client_name", quoted(s.midi.client_name), "midi.client_name");
  w.key("jack_server", quoted(s.midi.jack_server), "midi.jack_server");
  w.key("connect_input", quoted(s.midi.connect_input), "midi.connect_input");
  w.key("startup_panic_channels", panic_channels(s.midi.startup_panic_channels), "midi.startup_panic_channels");
  for (std::size_t i = 0; i < s.midi.outputs.size(); ++i) {
    const auto& o = s.midi.outputs[i];
    const std::string where = "midi.output[" + std::to_string(i) + "].";
    w.table("[[midi.output]]");
    w.key("name", quoted(o.name), where + "name");
    w.key("connect", quoted(o.connect), where + "connect");
    w.key("max_note_ms", std::to_string(o.max_note_ms), where + "max_note_ms");
    w.key("max_polyphony", std::to_string(o.max_polyphony), where + "max_polyphony");
  }

  w.table("[model]");
  w.key("name", quoted(s.model), "model.name");
  w.key("threads", std::to_string(s.threads), "model.threads");
  w.key("precision", quoted(s.precision), "model.precision");
  w.key("device", quoted(s.device), "model.device");
  w.key("tokens_per_step_budget", real(s.tokens_per_step_budget), "model.tokens_per_step_budget");

  w.table("[duet]");
  w.key("mode", quoted(std::string(to_string(s.duet.mode))), "duet.mode");
  w.key("tempo", real(s.duet.bpm), "duet.tempo");
  w.key("answer_silence_beats", real(s.duet.answer_silence_beats), "duet.answer_silence_beats");
  w.key("answer_bars", std::to_string(s.duet.answer_bars), "duet.answer_bars");
  w.key("beats_per_bar", std::to_string(s.duet.beats_per_bar), "duet.beats_per_bar");
  w.key("lookahead_beats", real(s.lookahead_beats), "duet.lookahead_beats");
  w.key("commit_steps", std::to_string(s.duet.commit_steps), "duet.commit_steps");
  // Left out, an instrument is the model's to choose (chamber models); written, it is fixed.
  if (s.human_instrument_given)
    w.key("human_instrument", quoted(s.duet.human_prefix), "duet.human_instrument");
  else
    w.comment("human_instrument: not set, so the model decides (\"p\" with piano models, the solo instrument with "
              "chamber ones)");
  if (s.clara_instrument_given)
    w.key("clara_instrument", quoted(s.duet.clara_prefix), "duet.clara_instrument");
  else
    w.comment("clara_instrument: not set, so the model decides (\"p\", the piano)");
  w.key("velocity", std::to_string(s.duet.fixed_velocity), "duet.velocity");

  w.table("[sampler]");
  const auto& p = s.duet.sampler;
  w.key("policy", quoted(std::string(to_string(p.policy))), "sampler.policy");
  w.key("temperature", real(p.temperature), "sampler.temperature");
  w.key("top_k", std::to_string(p.top_k), "sampler.top_k");
  w.key("top_p", real(p.top_p), "sampler.top_p");
  w.key("random_freq", real(p.random_freq), "sampler.random_freq");
  w.key("key_keeping", real(p.key_keeping), "sampler.key_keeping");
  // TOML integers stop at 2^63-1; the loader takes larger seeds as a decimal string.
  w.key("seed",
        p.seed > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ? quoted(std::to_string(p.seed))
                                                                                      : std::to_string(p.seed),
        "sampler.seed");

  std::vector<InstrumentRoute> routes = s.routes;
  bool clara_routed = false;
  for (const auto& r : routes) clara_routed |= r.instrument == s.duet.clara_prefix;
  // --channel without a route for Clara: her channel as the route effective_routes() makes.
  const bool channel_route = !clara_routed && s.duet.clara_channel != 0;
  if (!clara_routed && !channel_route) {
    w.blank();
    w.comment("No [[route]] for Clara's instrument: she plays on output 0, channel 1, no program change.");
  }
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const auto& r = routes[i];
    const std::string where = "route[" + std::to_string(i) + "].";
    w.table("[[route]]");
    w.key("instrument", quoted(r.instrument), where + "instrument");
    w.key("output", std::to_string(r.output), where + "output");
    w.key("channel", std::to_string(r.channel + 1), where + "channel");
    w.key("program", std::to_string(r.program), where + "program");
    w.key("velocity_curve", real(r.velocity_curve), where + "velocity_curve");
    w.key("note_low", std::to_string(r.note_low), where + "note_low");
    w.key("note_high", std::to_string(r.note_high), where + "note_high");
  }
  if (channel_route) {
    const InstrumentRoute r;
    const std::string from = w.origin("duet.clara_channel");
    w.table("[[route]]");
    w.comment("Clara's channel (" + from + "): no [[route]] named her instrument, so this one stands for it");
    w.key_from("instrument", quoted(s.duet.clara_prefix), from);
    w.key_from("output", std::to_string(r.output), "default");
    w.key_from("channel", std::to_string(s.duet.clara_channel + 1), from);
    w.key_from("program", std::to_string(r.program), "default");
    w.key_from("velocity_curve", real(r.velocity_curve), "default");
    w.key_from("note_low", std::to_string(r.note_low), "default");
    w.key_from("note_high", std::to_string(r.note_high), "default");
  }

  w.table("[session]");
  w.key("record", boolean(s.record_sessions), "session.record");
  w.key("dir", quoted(s.sessions_dir.string()), "session.dir");
  if (!s.stats_file.empty())
    w.comment("stats file " + quoted(s.stats_file.string()) + " (" + w.origin("stats_file") +
              "): no config key holds it");

  w.table("[log]");
  w.key("level", quoted(s.log_level), "log.level");

  w.table("[sync]");
  w.key("source", quoted(s.sync.source), "sync.source");
  w.key("clock_out", boolean(s.sync.clock_out), "sync.clock_out");
  w.key("metronome", boolean(s.sync.metronome), "sync.metronome");
  w.key("count_in_bars", std::to_string(s.sync.count_in_bars), "sync.count_in_bars");

  w.table("[solo]");
  w.key("candidates", std::to_string(s.solo.candidates), "solo.candidates");
  w.key("critic", quoted(s.solo.critic), "solo.critic");

  w.table("[control]");
  const auto& c = s.control;
  w.key("bind", quoted(c.bind), "control.bind");
  w.key("udp_port", std::to_string(c.udp_port), "control.udp_port");
  w.key("tcp_port", std::to_string(c.tcp_port), "control.tcp_port");
  w.key("framing", quoted(std::string(to_string(c.framing))), "control.framing");
  // Never the token, nor its length: a comment says where it is, and the key is left out.
  if (c.token.empty())
    w.key("token", quoted(""), "control.token");
  else
    w.comment("token: set in " + w.origin("control.token") + " (not shown; add it back to use this as a config file)");
  w.key("max_tcp_connections", std::to_string(c.max_tcp_connections), "control.max_tcp_connections");
  w.key("idle_timeout_s", std::to_string(c.idle_timeout_s), "control.idle_timeout_s");
  w.key("max_subscribers", std::to_string(c.max_subscribers), "control.max_subscribers");
  w.key("tcp_buffer_bytes", std::to_string(c.tcp_buffer_bytes), "control.tcp_buffer_bytes");
  w.key("auth_failures_per_s", std::to_string(c.auth_failures_per_s), "control.auth_failures_per_s");
  w.key("learn", quoted(c.learn), "control.learn");

  if (s.cc.empty()) {
    w.blank();
    w.comment("No [[cc]]: no MIDI controller is bound to a control.");
  }
  for (std::size_t i = 0; i < s.cc.size(); ++i) {
    const auto& b = s.cc[i];
    const std::string where = "cc[" + std::to_string(i) + "].";
    w.table("[[cc]]");
    w.key("controller", std::to_string(b.controller), where + "controller");
    if (b.channel >= 0) w.key("channel", std::to_string(b.channel + 1), where + "channel");
    else w.comment("channel: any (no channel key)");
    w.key("control", quoted(b.control), where + "control");
    const CcControl* control = find_cc_control(b.control);
    if (control && control->kind == CcControlKind::continuous) {
      w.key("min", real(b.min), where + "min");
      w.key("max", real(b.max), where + "max");
      w.key("curve", quoted(std::string(to_string(b.curve))), where + "curve");
    }
  }
  return w.text();
}

}  // namespace clara::daemon
