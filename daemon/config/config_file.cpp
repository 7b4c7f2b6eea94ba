#include "daemon/config/config_file.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <tuple>
#include <toml++/toml.h>

#include "daemon/config/setting_limits.hpp"
#include "daemon/config/toml_guard.hpp"

// A syntax error must reach us as toml::parse_error: without exceptions toml++ hands back a
// parse_result whose table() on failure is an assumption, not a check (parse_result.h).
static_assert(TOML_EXCEPTIONS, "the config loader needs toml++ built with exceptions");

namespace clara::daemon {
namespace {

// More lines than this help nobody: the first ones are fixed first.
constexpr std::size_t kMaxProblemsShown = 100;

// The tables and the keys each may hold; arrays of tables are named without an index.
const std::map<std::string, std::vector<std::string>>& schema() {
  static const std::map<std::string, std::vector<std::string>> s{
      {"", {"midi", "model", "duet", "sampler", "route", "session", "log", "control", "cc", "sync", "solo"}},
      {"midi", {"backend", "client_name", "jack_server", "connect_input", "output", "startup_panic_channels"}},
      {"midi.output", {"name", "connect", "max_note_ms", "max_polyphony"}},
      {"model", {"name", "threads", "precision", "device", "tokens_per_step_budget"}},
      {"duet",
       {"mode", "tempo", "answer_silence_beats", "answer_bars", "beats_per_bar", "lookahead_beats", "commit_steps",
        "human_instrument", "clara_instrument", "velocity"}},
      {"sampler", {"policy", "temperature", "top_k", "top_p", "random_freq", "key_keeping", "seed"}},
      {"route", {"instrument", "output", "channel", "program", "velocity_curve", "note_low", "note_high"}},
      {"session", {"record", "dir"}},
      {"log", {"level"}},
      {"sync", {"source", "clock_out", "metronome", "count_in_bars"}},
      {"solo", {"candidates", "critic"}},
      {"control",
       {"bind", "udp_port", "tcp_port", "framing", "token", "max_tcp_connections", "idle_timeout_s",
        "max_subscribers", "tcp_buffer_bytes", "auth_failures_per_s", "learn"}},
      {"cc", {"controller", "channel", "control", "min", "max", "curve"}},
  };
  return s;
}

std::string number_text(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// One problem is one line: a control character from the file (a quoted key may hold a
// newline) is shown escaped, never written out, and so are the Unicode line breaks.
std::string one_line(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    char esc[12];
    if (c < 0x20 || c == 0x7F) {
      std::snprintf(esc, sizeof esc, "\\x%02X", c);
      out += esc;
    } else if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x85) {
      out += "\\u0085", ++i;  // NEL
    } else if (c == 0xE2 && i + 2 < s.size() && s[i + 1] == '\x80' &&
               (s[i + 2] == '\xA8' || s[i + 2] == '\xA9')) {
      out += s[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";  // line and paragraph separators
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Reads one file's tables into settings, collecting every problem instead of stopping at the
// first. Each reader leaves its `out` alone unless the value is there and valid, and says so.
class Reader {
 public:
  Reader(std::string file, SettingSources& sources) : file_(std::move(file)), sources_(sources) {}

  // "FILE:LINE:COLUMN: KEY: WHY", the place from toml++'s source region of what is wrong.
  void fail(const toml::source_region& at, const std::string& key, const std::string& why) {
    std::string place = file_;
    if (at.begin.line > 0) place += ":" + std::to_string(at.begin.line) + ":" + std::to_string(at.begin.column);
    problems_.push_back({at.begin.line, at.begin.column, one_line(place + ": " + key + ": " + why)});
  }
  void fail(const toml::node* at, const std::string& key, const std::string& why) {
    fail(at ? at->source() : toml::source_region{}, key, why);
  }
  std::size_t problems() const { return problems_.size(); }
  // In the file's order, which is not the order of reading: [[route]] waits for [midi].
  std::vector<std::string> problem_lines() const {
    std::vector<Problem> sorted = problems_;
    std::stable_sort(sorted.begin(), sorted.end(), [](const Problem& a, const Problem& b) {
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    std::vector<std::string> lines;
    for (const auto& p : sorted) lines.push_back(p.text);
    return lines;
  }

  // `key` was set from `n`: --print-config shows where.
  void found(const toml::node& n, const std::string& key) {
    sources_.set(key, file_ + ":" + std::to_string(n.source().begin.line));
  }

  // Refuses keys of `table` that `schema_name`'s table may not hold, at the key; `where` is
  // the dotted path of this table in the file (with its index in an array of tables).
  void only(const toml::table& table, const std::string& where, const std::string& schema_name) {
    const auto& known = schema().at(schema_name);
    for (const auto& [k, v] : table) {
      const std::string key(k.str());
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      std::string list;
      for (const auto& name : known) list += (list.empty() ? "" : ", ") + name;
      fail(k.source().begin.line > 0 ? k.source() : v.source(), join(where, key),
           "unknown key (known here: " + list + ")");
    }
  }

  bool boolean(const toml::table& t, const std::string& where, const char* key, bool& out) {
    const toml::node* n = t.get(key);
    if (!n) return false;
    if (!n->is_boolean()) return fail(n, join(where, key), "must be true or false"), false;
    out = n->as_boolean()->get();
    found(*n, join(where, key));
    return true;
  }

  bool string(const toml::table& t, const std::string& where, const char* key, std::string& out) {
    const toml::node* n = t.get(key);
    if (!n) return false;
    if (!n->is_string()) return fail(n, join(where, key), "must be a string"), false;
    out = n->as_string()->get();
    found(*n, join(where, key));
    return true;
  }

  // A string that must be one of `allowed`.
  bool choice(const toml::table& t, const std::string& where, const char* key,
              std::initializer_list<const char*> allowed, std::string& out) {
    const toml::node* n = t.get(key);
    if (!n) return false;
    std::string list;
    for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    if (!n->is_string()) return fail(n, join(where, key), "must be one of " + list), false;
    const std::string v = n->as_string()->get();
    for (const char* a : allowed)
      if (v == a) {
        out = v;
        found(*n, join(where, key));
        return true;
      }
    fail(n, join(where, key), "must be one of " + list + " (got '" + v + "')");
    return false;
  }

  // TOML integers are 64-bit: the value is checked against `range` before it is narrowed.
  template <typename T>
  bool integer(const toml::table& t, const std::string& where, const char* key, const IntRange& range, T& out) {
    const toml::node* n = t.get(key);
    return n && checked(*n, join(where, key), range, out);
  }

  template <typename T>
  bool checked(const toml::node& n, const std::string& key, const IntRange& range, T& out) {
    static_assert(std::is_integral_v<T>);
    if (!n.is_integer()) return fail(&n, key, "must be an integer in " + range.text()), false;
    const std::int64_t v = n.as_integer()->get();
    if (!range.contains(v))
      return fail(&n, key, "must be an integer in " + range.text() + " (got " + std::to_string(v) + ")"), false;
    if (range.lo < std::int64_t{std::numeric_limits<T>::min()} || range.hi > std::int64_t{std::numeric_limits<T>::max()})
      return fail(&n, key, "internal error: range " + range.text() + " does not fit the setting's type"), false;
    out = static_cast<T>(v);
    found(n, key);
    return true;
  }

  // An integer or a float (NaN and the infinities are outside every range).
  bool real(const toml::table& t, const std::string& where, const char* key, const RealRange& range, double& out) {
    const toml::node* n = t.get(key);
    if (!n) return false;
    double v = 0;
    if (n->is_integer()) v = static_cast<double>(n->as_integer()->get());
    else if (n->is_floating_point()) v = n->as_floating_point()->get();
    else return fail(n, join(where, key), "must be a number in " + range.text()), false;
    if (!range.contains(v))
      return fail(n, join(where, key), "must be a number in " + range.text() + " (got " + number_text(v) + ")"), false;
    out = v;
    found(*n, join(where, key));
    return true;
  }

  // An integer 0..2^63-1, or a decimal string for the whole std::uint64_t range.
  bool seed(const toml::table& t, const std::string& where, const char* key, std::uint64_t& out) {
    const toml::node* n = t.get(key);
    if (!n) return false;
    auto refuse = [&](const std::string& got) {
      fail(n, join(where, key),
           std::string("must be an integer in ") + limits::seed_text + " (got " + got +
               "); above 9223372036854775807, TOML's largest integer, write it as a string: \"18446744073709551615\"");
      return false;
    };
    std::uint64_t v = 0;
    if (n->is_integer()) {
      const std::int64_t i = n->as_integer()->get();
      if (i < 0) return refuse(std::to_string(i));
      v = static_cast<std::uint64_t>(i);
    } else if (n->is_string()) {
      const std::string& s = n->as_string()->get();
      const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return refuse("\"" + s + "\"");
    } else {
      std::ostringstream type;
      type << n->type();
      return refuse("a " + type.str());
    }
    out = v;
    found(*n, join(where, key));
    return true;
  }

  bool strings(const toml::table& t, const std::string& where, const char* key, std::vector<std::string>& out) {
    const toml::node* n = t.get(key);
    if (!n) return false;
    const toml::array* a = n->as_array();
    if (!a) return fail(n, join(where, key), "must be an array of strings"), false;
    std::vector<std::string> v;
    for (std::size_t i = 0; i < a->size(); ++i) {
      if (!(*a)[i].is_string())
        return fail(&(*a)[i], join(where, key) + "[" + std::to_string(i) + "]", "must be a string"), false;
      v.push_back((*a)[i].as_string()->get());
    }
    out = std::move(v);
    found(*n, join(where, key));
    return true;
  }

  const toml::table* table(const toml::table& t, const std::string& where, const char* key) {
    const toml::node* n = t.get(key);
    if (!n) return nullptr;
    if (!n->is_table()) return fail(n, join(where, key), "must be a table"), nullptr;
    return n->as_table();
  }

  // An array of tables ([[key]]) of `count` entries; nullptr when absent or not an array. A
  // wrong count and each entry that is not a table are problems; the tables are still read,
  // for their own problems.
  const toml::array* tables(const toml::table& t, const std::string& where, const char* key, const IntRange& count) {
    const toml::node* n = t.get(key);
    if (!n) return nullptr;
    const std::string name = join(where, key);
    const toml::array* a = n->as_array();
    const bool any_count = count.lo == 0 && count.hi == std::numeric_limits<std::int64_t>::max();
    const std::string why = "must be an array of " + (any_count ? "" : count.text() + " ") + "tables ([[" + name + "]])";
    if (!a) return fail(n, name, why), nullptr;
    if (!count.contains(static_cast<std::int64_t>(a->size())))
      fail(n, name, why + " (got " + std::to_string(a->size()) + ")");
    for (std::size_t i = 0; i < a->size(); ++i)
      if (!(*a)[i].is_table()) fail(&(*a)[i], name + "[" + std::to_string(i) + "]", "must be a table");
    return a;
  }

  static std::string join(const std::string& a, const std::string& b) { return a.empty() ? b : a + "." + b; }

 private:
  struct Problem {
    toml::source_index line, column;
    std::string text;
  };
  std::string file_;
  SettingSources& sources_;
  std::vector<Problem> problems_;
};

// [midi] and its [[midi.output]] tables.
void read_midi(Reader& r, const toml::table& m, DaemonSettings& s) {
  r.only(m, "midi", "midi");
  r.choice(m, "midi", "backend", {"jack", "alsa"}, s.backend);
  r.string(m, "midi", "client_name", s.midi.client_name);
  r.string(m, "midi", "jack_server", s.midi.jack_server);
  r.strings(m, "midi", "connect_input", s.midi.connect_input);
  if (const toml::node* n = m.get("startup_panic_channels")) {
    if (const toml::array* a = n->as_array()) {
      std::uint16_t mask = 0;
      bool ok = true;
      for (std::size_t i = 0; i < a->size(); ++i) {
        int channel = 0;
        if (r.checked((*a)[i], "midi.startup_panic_channels[" + std::to_string(i) + "]", limits::channel, channel))
          mask = static_cast<std::uint16_t>(mask | (1u << (channel - 1)));
        else
          ok = false;
      }
      if (ok) {
        s.midi.startup_panic_channels = mask;
        r.found(*n, "midi.startup_panic_channels");
      }
    } else {
      r.fail(n, "midi.startup_panic_channels", "must be an array of channels in " + limits::channel.text());
    }
  }
  if (const toml::array* a = r.tables(m, "midi", "output", limits::outputs)) {
    s.midi.outputs.clear();
    for (std::size_t i = 0; i < a->size(); ++i) {
      const toml::table* t = (*a)[i].as_table();
      if (!t) continue;
      const std::string where = "midi.output[" + std::to_string(i) + "]";
      r.only(*t, where, "midi.output");
      OutputPortSettings o;
      if (r.string(*t, where, "name", o.name) && o.name.empty())
        r.fail(t->get("name"), where + ".name", "must not be empty");
      r.strings(*t, where, "connect", o.connect);
      r.integer(*t, where, "max_note_ms", limits::max_note_ms, o.max_note_ms);
      r.integer(*t, where, "max_polyphony", limits::max_polyphony, o.max_polyphony);
      s.midi.outputs.push_back(o);
    }
  }
}

void read_duet(Reader& r, const toml::table& d, DaemonSettings& s) {
  r.only(d, "duet", "duet");
  std::string mode;
  if (r.choice(d, "duet", "mode", {"answer", "accompany", "solo", "listen"}, mode)) s.duet.mode = parse_duet_mode(mode);
  r.real(d, "duet", "tempo", limits::tempo, s.duet.bpm);
  r.real(d, "duet", "answer_silence_beats", limits::answer_silence_beats, s.duet.answer_silence_beats);
  r.integer(d, "duet", "answer_bars", limits::answer_bars, s.duet.answer_bars);
  r.integer(d, "duet", "beats_per_bar", limits::beats_per_bar, s.duet.beats_per_bar);
  r.real(d, "duet", "lookahead_beats", limits::lookahead_beats, s.lookahead_beats);
  r.integer(d, "duet", "commit_steps", limits::commit_steps, s.duet.commit_steps);
  if (r.string(d, "duet", "human_instrument", s.duet.human_prefix)) s.human_instrument_given = true;
  if (r.string(d, "duet", "clara_instrument", s.duet.clara_prefix)) s.clara_instrument_given = true;
  r.integer(d, "duet", "velocity", limits::velocity, s.duet.fixed_velocity);
}

void read_sampler(Reader& r, const toml::table& p, DaemonSettings& s) {
  const std::size_t before = r.problems();
  r.only(p, "sampler", "sampler");
  std::string policy;
  if (r.choice(p, "sampler", "policy", {"seed", "temperature", "top-k", "top-p"}, policy))
    s.duet.sampler.policy = *parse_sampling_policy(policy);
  r.real(p, "sampler", "temperature", limits::temperature, s.duet.sampler.temperature);
  r.integer(p, "sampler", "top_k", limits::top_k, s.duet.sampler.top_k);
  r.real(p, "sampler", "top_p", limits::top_p, s.duet.sampler.top_p);
  r.real(p, "sampler", "random_freq", limits::random_freq, s.duet.sampler.random_freq);
  r.real(p, "sampler", "key_keeping", limits::key_keeping, s.duet.sampler.key_keeping);
  r.seed(p, "sampler", "seed", s.duet.sampler.seed);
  if (r.problems() != before) return;  // the sampler's own check would repeat them
  try {
    s.duet.sampler.validate();
  } catch (const std::exception& e) {
    r.fail(&p, "sampler", e.what());
  }
}

// [[route]] tables, read after [midi] whatever their order in the file, so the output count
// is known. One route per instrument: a second one would be dead text.
void read_routes(Reader& r, const toml::array& a, DaemonSettings& s) {
  s.routes.clear();
  const auto outputs = static_cast<std::int64_t>(s.midi.outputs.size());
  const IntRange output_range{0, outputs - 1};
  struct Seen {
    std::string instrument;
    std::size_t index;
    int line;
  };
  std::vector<Seen> seen;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const toml::table* t = a[i].as_table();
    if (!t) continue;
    const std::string where = "route[" + std::to_string(i) + "]";
    r.only(*t, where, "route");
    InstrumentRoute route;
    const bool named = r.string(*t, where, "instrument", route.instrument);
    if (named || !t->contains("instrument")) {
      const toml::node* at = named ? t->get("instrument") : static_cast<const toml::node*>(t);
      const auto dup = std::find_if(seen.begin(), seen.end(), [&](const Seen& x) { return x.instrument == route.instrument; });
      if (dup != seen.end())
        r.fail(at, where + ".instrument",
               "'" + route.instrument + "' already has a route: route[" + std::to_string(dup->index) + "] at line " +
                   std::to_string(dup->line) + (named ? "" : " (no instrument key: \"p\")") +
                   "; one [[route]] per instrument");
      else
        seen.push_back({route.instrument, i, static_cast<int>(t->source().begin.line)});
    }
    if (const toml::node* n = t->get("output"); n && n->is_integer() && !output_range.contains(n->as_integer()->get()))
      r.fail(n, where + ".output",
             "output " + std::to_string(n->as_integer()->get()) + " does not exist: must be an integer in " +
                 output_range.text() + " (" + std::to_string(outputs) +
                 (outputs == 1 ? " output port)" : " output ports)"));
    else
      r.integer(*t, where, "output", output_range, route.output);
    int channel = route.channel + 1;
    r.integer(*t, where, "channel", limits::channel, channel);
    route.channel = channel - 1;
    r.integer(*t, where, "program", limits::program, route.program);
    r.real(*t, where, "velocity_curve", limits::velocity_curve, route.velocity_curve);
    const bool low_ok = !t->contains("note_low") || r.integer(*t, where, "note_low", limits::note, route.note_low);
    const bool high_ok = !t->contains("note_high") || r.integer(*t, where, "note_high", limits::note, route.note_high);
    if (low_ok && high_ok && route.note_high - route.note_low < limits::min_note_span)
      r.fail(t, where,
             "note_low..note_high " + std::to_string(route.note_low) + ".." + std::to_string(route.note_high) +
                 " must lie in " + limits::note.text() + " and span an octave (note_high - note_low >= " +
                 std::to_string(limits::min_note_span) + ")");
    s.routes.push_back(route);
  }
}

// [control]. The token is never part of an error: only its key is named.
void read_control(Reader& r, const toml::table& t, ControlSettings& c) {
  r.only(t, "control", "control");
  if (const toml::node* n = t.get("bind")) {
    std::vector<std::string> bind;
    const std::size_t before = r.problems();
    if (r.strings(t, "control", "bind", bind)) {
      const toml::array& a = *n->as_array();
      if (!limits::bind_addresses.contains(static_cast<std::int64_t>(bind.size())))
        r.fail(n, "control.bind",
               "must list " + limits::bind_addresses.text() + " addresses (got " + std::to_string(bind.size()) +
                   "); to turn OSC off set udp_port = 0 and tcp_port = 0");
      for (std::size_t i = 0; i < bind.size(); ++i) {
        const std::string key = "control.bind[" + std::to_string(i) + "]";
        if (!is_ip_literal(bind[i]))
          r.fail(&a[i], key,
                 "'" + bind[i] + "' is not an IP address (an IPv4 or IPv6 literal, e.g. 127.0.0.1, ::1, 0.0.0.0)");
        for (std::size_t j = 0; j < i; ++j)
          if (bind[j] == bind[i])
            r.fail(&a[i], key, "'" + bind[i] + "' is listed twice (also control.bind[" + std::to_string(j) + "])");
      }
      if (r.problems() == before) c.bind = std::move(bind);
    }
  }
  r.integer(t, "control", "udp_port", limits::port, c.udp_port);
  r.integer(t, "control", "tcp_port", limits::port, c.tcp_port);
  std::string framing;
  if (r.choice(t, "control", "framing", {"detect", "size", "slip"}, framing)) c.framing = parse_osc_framing(framing);
  std::string token;
  if (r.string(t, "control", "token", token)) {
    if (!token.empty() && token.size() < static_cast<std::size_t>(limits::min_token_length))
      r.fail(t.get("token"), "control.token",
             "shorter than " + std::to_string(limits::min_token_length) +
                 " characters, easy to guess by trying; use a longer one (e.g. from `openssl rand -hex 16`)");
    else
      c.token = std::move(token);
  }
  r.integer(t, "control", "max_tcp_connections", limits::max_tcp_connections, c.max_tcp_connections);
  r.integer(t, "control", "idle_timeout_s", limits::idle_timeout_s, c.idle_timeout_s);
  r.integer(t, "control", "max_subscribers", limits::max_subscribers, c.max_subscribers);
  r.integer(t, "control", "tcp_buffer_bytes", limits::tcp_buffer_bytes, c.tcp_buffer_bytes);
  r.integer(t, "control", "auth_failures_per_s", limits::auth_failures_per_s, c.auth_failures_per_s);
  std::string learn;
  if (r.string(t, "control", "learn", learn)) {
    if (!learn.empty() && !find_cc_control(learn))
      r.fail(t.get("learn"), "control.learn", "must be \"\" or one of " + cc_control_names() + " (got '" + learn + "')");
    else
      c.learn = std::move(learn);
  }
}

// "controller 7 on channel 2", "controller 7 on any channel".
std::string cc_place(const CcBinding& b) {
  return "controller " + std::to_string(b.controller) + " on " +
         (b.channel < 0 ? std::string("any channel") : "channel " + std::to_string(b.channel + 1));
}

// One [[cc]] table; `where` is "cc[3]". nullopt when it has a problem (reported).
std::optional<CcBinding> read_cc(Reader& r, const toml::table& t, const std::string& where) {
  const std::size_t before = r.problems();
  r.only(t, where, "cc");
  CcBinding b;
  if (const toml::node* controller = t.get("controller")) {
    // 120..127 get their own reason: they are MIDI's channel-mode messages, not knobs.
    if (controller->is_integer() && controller->as_integer()->get() >= 120 && controller->as_integer()->get() <= 127) {
      b.controller = static_cast<int>(controller->as_integer()->get());
      r.fail(controller, where + ".controller", cc_binding_problem(b)->why);
    } else {
      r.integer(t, where, "controller", limits::cc_controller, b.controller);
    }
  } else {
    r.fail(&t, where + ".controller", "missing: the controller number " + limits::cc_controller.text() + " to bind");
  }
  if (t.contains("channel")) {
    int channel = 1;
    if (r.integer(t, where, "channel", limits::channel, channel)) b.channel = channel - 1;
  }
  const CcControl* c = nullptr;
  if (const toml::node* control = t.get("control")) {
    if (r.string(t, where, "control", b.control) && !(c = find_cc_control(b.control)))
      r.fail(control, where + ".control", "must be one of " + cc_control_names() + " (got '" + b.control + "')");
  } else {
    r.fail(&t, where + ".control", "missing: one of " + cc_control_names());
  }
  if (!c) {
    // Without a known control, min and max have no range to be checked against.
    return std::nullopt;
  }
  if (c->kind == CcControlKind::button) {
    for (const char* key : {"min", "max", "curve"})
      if (const toml::node* n = t.get(key))
        r.fail(n, where + "." + key,
               "'" + b.control + "' is a button (a press acts: a value 64..127 after one below 64): it takes no min, "
                                 "max or curve");
    return r.problems() == before ? std::optional(b) : std::nullopt;
  }
  b.min = c->knob_min;
  b.max = c->knob_max;
  r.real(t, where, "min", c->valid, b.min);
  r.real(t, where, "max", c->valid, b.max);
  std::string curve;
  if (r.choice(t, where, "curve", {"linear", "exponential"}, curve) && curve == "exponential")
    b.curve = CcCurve::exponential;
  if (r.problems() != before) return std::nullopt;
  if (const auto problem = cc_binding_problem(b)) {
    const toml::node* n = t.get(problem->key);
    r.fail(n ? n : &t, where + "." + problem->key, problem->why);
    return std::nullopt;
  }
  return b;
}

void read_ccs(Reader& r, const toml::array& a, DaemonSettings& s) {
  s.cc.clear();
  struct Read {
    std::size_t index;
    CcBinding binding;
    const toml::table* table;
  };
  std::vector<Read> good;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const toml::table* t = a[i].as_table();
    if (!t) continue;
    const std::string where = "cc[" + std::to_string(i) + "]";
    const auto b = read_cc(r, *t, where);
    if (!b) continue;
    for (const Read& g : good)
      if (cc_bindings_overlap(g.binding, *b)) {
        r.fail(t, where,
               cc_place(*b) + " overlaps cc[" + std::to_string(g.index) + "] at line " +
                   std::to_string(g.table->source().begin.line) + " (" + cc_place(g.binding) + ", bound to " +
                   g.binding.control + "): one controller on one channel drives one control");
        break;
      }
    good.push_back({i, *b, t});
    s.cc.push_back(*b);
  }
}

[[noreturn]] void refuse(const std::vector<std::string>& problems, const std::string& name) {
  std::string text;
  for (std::size_t i = 0; i < problems.size() && i < kMaxProblemsShown; ++i)
    text += (text.empty() ? "" : "\n") + problems[i];
  if (problems.size() > kMaxProblemsShown)
    text += "\n" + one_line(name) + ": " + std::to_string(problems.size() - kMaxProblemsShown) +
            " more problems not shown (" + std::to_string(problems.size()) + " in all)";
  throw SettingsError(text, SettingsError::kConfig);
}

}  // namespace

std::vector<std::string> config_file_keys() {
  std::vector<std::string> keys;
  for (const auto& [table, names] : schema())
    for (const auto& name : names) {
      const std::string key = table.empty() ? name : table + "." + name;
      if (!schema().count(key)) keys.push_back(key);
    }
  return keys;
}

void load_config_file(const std::filesystem::path& path, DaemonSettings& settings, SettingSources* sources) {
  const std::string name = path.string();
  auto unreadable = [&](int error) {
    throw SettingsError(one_line(name) + ": cannot read the config file: " + std::strerror(error),
                        SettingsError::kConfig);
  };
  std::FILE* f = std::fopen(name.c_str(), "rb");
  if (!f) unreadable(errno);
  // One byte past the cap is enough to refuse the file; the rest is never read.
  std::string text(kMaxConfigBytes + 1, '\0');
  const std::size_t got = std::fread(text.data(), 1, text.size(), f);
  const int error = std::ferror(f) ? errno : 0;
  std::fclose(f);
  if (error) unreadable(error);  // EISDIR for a folder
  text.resize(got);
  if (text.size() > kMaxConfigBytes) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    throw SettingsError(one_line(name) + ": " + (ec ? "more than " + std::to_string(kMaxConfigBytes)
                                                    : std::to_string(size)) +
                            " bytes, more than the " + std::to_string(kMaxConfigBytes) +
                            " (64 KiB) a config file may hold",
                        SettingsError::kConfig);
  }
  load_config_text(text, name, settings, sources);
}

void load_config_text(std::string_view text, const std::string& name, DaemonSettings& settings,
                      SettingSources* sources) {
  if (const auto problem = toml_text_problem(text, name)) refuse({one_line(*problem)}, name);
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(name));
  } catch (const toml::parse_error& e) {
    std::string place = name;
    if (e.source().begin.line > 0)
      place += ":" + std::to_string(e.source().begin.line) + ":" + std::to_string(e.source().begin.column);
    refuse({one_line(place + ": " + std::string(e.description()))}, name);
  }
  DaemonSettings s = settings;
  SettingSources found = sources ? *sources : SettingSources{};
  Reader r(name, found);
  r.only(root, "", "");
  if (const auto* m = r.table(root, "", "midi")) read_midi(r, *m, s);
  if (const auto* m = r.table(root, "", "model")) {
    r.only(*m, "model", "model");
    r.string(*m, "model", "name", s.model);
    r.integer(*m, "model", "threads", limits::threads, s.threads);
    r.choice(*m, "model", "precision", {"fp32", "int8", "auto"}, s.precision);
    r.choice(*m, "model", "device", {"cpu", "cuda", "auto"}, s.device);
    r.real(*m, "model", "tokens_per_step_budget", limits::tokens_per_step_budget, s.tokens_per_step_budget);
  }
  if (const auto* d = r.table(root, "", "duet")) read_duet(r, *d, s);
  if (const auto* p = r.table(root, "", "sampler")) read_sampler(r, *p, s);
  if (const toml::array* a = r.tables(root, "", "route", IntRange{0, std::numeric_limits<std::int64_t>::max()}))
    read_routes(r, *a, s);
  if (const auto* l = r.table(root, "", "log")) {
    r.only(*l, "log", "log");
    r.choice(*l, "log", "level", {"error", "warning", "notice", "info", "debug"}, s.log_level);
  }
  if (const auto* y = r.table(root, "", "sync")) {
    r.only(*y, "sync", "sync");
    std::string source;
    if (r.string(*y, "sync", "source", source)) {
      if (auto why = tempo_source_refusal(source))
        r.fail(y->get("source"), "sync.source", *why);
      else
        s.sync.source = source;
    }
    r.boolean(*y, "sync", "clock_out", s.sync.clock_out);
    r.boolean(*y, "sync", "metronome", s.sync.metronome);
    r.integer(*y, "sync", "count_in_bars", limits::count_in_bars, s.sync.count_in_bars);
  }
  if (const auto* o = r.table(root, "", "solo")) {
    r.only(*o, "solo", "solo");
    r.integer(*o, "solo", "candidates", limits::solo_candidates, s.solo.candidates);
    std::string critic;
    if (r.string(*o, "solo", "critic", critic)) {
      if (critic.empty())
        r.fail(o->get("critic"), "solo.critic", "must not be empty (a critic's folder, or its name under models/)");
      else
        s.solo.critic = critic;
    }
  }
  if (const auto* q = r.table(root, "", "session")) {
    r.only(*q, "session", "session");
    r.boolean(*q, "session", "record", s.record_sessions);
    std::string dir;
    if (r.string(*q, "session", "dir", dir)) s.sessions_dir = dir;
  }
  if (const auto* c = r.table(root, "", "control")) read_control(r, *c, s.control);
  if (const toml::array* a = r.tables(root, "", "cc", IntRange{0, std::numeric_limits<std::int64_t>::max()}))
    read_ccs(r, *a, s);
  if (r.problems()) refuse(r.problem_lines(), name);
  // Every value was checked above; this is the same check the flags get, kept as a backstop
  // so that the two can never let different settings through.
  try {
    s.validate_values();
  } catch (const SettingsError& e) {
    refuse({one_line(name + ": " + e.what())}, name);
  }
  settings = std::move(s);
  if (sources) *sources = std::move(found);
}

}  // namespace clara::daemon
