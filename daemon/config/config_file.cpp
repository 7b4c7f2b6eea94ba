#include "daemon/config/config_file.hpp"

#include <charconv>
#include <initializer_list>
#include <limits>
#include <map>
#include <sstream>
#include <toml++/toml.h>

#include "daemon/config/setting_limits.hpp"

namespace clara::daemon {
namespace {

// The tables and the keys each may hold; arrays of tables are named without an index.
const std::map<std::string, std::vector<std::string>>& schema() {
  static const std::map<std::string, std::vector<std::string>> s{
      {"", {"midi", "model", "duet", "sampler", "route", "session", "log"}},
      {"midi", {"backend", "client_name", "jack_server", "connect_input", "output", "startup_panic_channels"}},
      {"midi.output", {"name", "connect", "max_note_ms", "max_polyphony"}},
      {"model", {"name", "threads", "tokens_per_step_budget"}},
      {"duet",
       {"mode", "tempo", "answer_silence_beats", "answer_bars", "beats_per_bar", "lookahead_beats", "commit_steps",
        "human_instrument", "clara_instrument", "velocity"}},
      {"sampler", {"policy", "temperature", "top_k", "top_p", "random_freq", "seed"}},
      {"route", {"instrument", "output", "channel", "program", "velocity_curve", "note_low", "note_high"}},
      {"session", {"record", "dir"}},
      {"log", {"level"}},
  };
  return s;
}

std::string number_text(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  // Rejects keys of `table` that `schema_name`'s table may not hold; `where` is the
  // dotted path of this table in the file (with its index in an array of tables).
  void only(const toml::table& table, const std::string& where, const std::string& schema_name) const {
    const auto& known = schema().at(schema_name);
    for (const auto& [k, v] : table) {
      const std::string key(k.str());
      bool ok = false;
      for (const auto& name : known) ok |= name == key;
      if (!ok) {
        std::string list;
        for (const auto& name : known) list += (list.empty() ? "" : ", ") + name;
        fail(&v, join(where, key), "unknown key (known here: " + list + ")");
      }
    }
  }

  void boolean(const toml::table& t, const std::string& where, const char* key, bool& out) const {
    const toml::node* n = t.get(key);
    if (!n) return;
    if (!n->is_boolean()) fail(n, join(where, key), "must be true or false");
    out = n->as_boolean()->get();
  }

  void string(const toml::table& t, const std::string& where, const char* key, std::string& out) const {
    const toml::node* n = t.get(key);
    if (!n) return;
    if (!n->is_string()) fail(n, join(where, key), "must be a string");
    out = n->as_string()->get();
  }

  // A string that must be one of `allowed`; `out` is left alone when the key is absent.
  void choice(const toml::table& t, const std::string& where, const char* key,
              std::initializer_list<const char*> allowed, std::string& out) const {
    const toml::node* n = t.get(key);
    if (!n) return;
    std::string list;
    for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    if (!n->is_string()) fail(n, join(where, key), "must be one of " + list);
    const std::string v = n->as_string()->get();
    for (const char* a : allowed)
      if (v == a) return void(out = v);
    fail(n, join(where, key), "must be one of " + list + " (got '" + v + "')");
  }

  // TOML integers are 64-bit: the value is checked against `range` before it is narrowed.
  template <typename T>
  void integer(const toml::table& t, const std::string& where, const char* key, const IntRange& range,
               T& out) const {
    static_assert(std::is_integral_v<T>);
    const toml::node* n = t.get(key);
    if (!n) return;
    out = checked<T>(*n, join(where, key), range);
  }

  template <typename T>
  T checked(const toml::node& n, const std::string& key, const IntRange& range) const {
    if (!n.is_integer()) fail(&n, key, "must be an integer in " + range.text());
    const std::int64_t v = n.as_integer()->get();
    if (!range.contains(v)) fail(&n, key, "must be an integer in " + range.text() + " (got " + std::to_string(v) + ")");
    if (range.lo < std::int64_t{std::numeric_limits<T>::min()} || range.hi > std::int64_t{std::numeric_limits<T>::max()})
      fail(&n, key, "internal error: range " + range.text() + " does not fit the setting's type");
    return static_cast<T>(v);
  }

  void real(const toml::table& t, const std::string& where, const char* key, const RealRange& range,
            double& out) const {
    const toml::node* n = t.get(key);
    if (!n) return;
    double v = 0;
    if (n->is_integer()) v = static_cast<double>(n->as_integer()->get());
    else if (n->is_floating_point()) v = n->as_floating_point()->get();
    else fail(n, join(where, key), "must be a number in " + range.text());
    if (!range.contains(v))
      fail(n, join(where, key), "must be a number in " + range.text() + " (got " + number_text(v) + ")");
    out = v;
  }

  // An integer 0..2^63-1, or a decimal string for the whole std::uint64_t range.
  void seed(const toml::table& t, const std::string& where, const char* key, std::uint64_t& out) const {
    const toml::node* n = t.get(key);
    if (!n) return;
    auto refuse = [&](const std::string& got) {
      fail(n, join(where, key),
           std::string("must be an integer in ") + limits::seed_text + " (got " + got +
               "); above 9223372036854775807, TOML's largest integer, write it as a string: \"18446744073709551615\"");
    };
    if (n->is_integer()) {
      const std::int64_t v = n->as_integer()->get();
      if (v < 0) refuse(std::to_string(v));
      out = static_cast<std::uint64_t>(v);
      return;
    }
    if (!n->is_string()) {
      std::ostringstream type;
      type << n->type();
      refuse("a " + type.str());
    }
    const std::string& s = n->as_string()->get();
    std::uint64_t v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) refuse("\"" + s + "\"");
    out = v;
  }

  void strings(const toml::table& t, const std::string& where, const char* key, std::vector<std::string>& out) const {
    const toml::node* n = t.get(key);
    if (!n) return;
    const toml::array* a = n->as_array();
    if (!a) fail(n, join(where, key), "must be an array of strings");
    out.clear();
    for (const auto& e : *a) {
      if (!e.is_string()) fail(&e, join(where, key), "must be an array of strings");
      out.push_back(e.as_string()->get());
    }
  }

  const toml::table* table(const toml::table& t, const std::string& where, const char* key) const {
    const toml::node* n = t.get(key);
    if (!n) return nullptr;
    if (!n->is_table()) fail(n, join(where, key), "must be a table");
    return n->as_table();
  }

  // An array of tables ([[key]]) of `count` entries; nullptr when absent.
  const toml::array* tables(const toml::table& t, const std::string& where, const char* key,
                            const IntRange& count) const {
    const toml::node* n = t.get(key);
    if (!n) return nullptr;
    const std::string name = join(where, key);
    const toml::array* a = n->as_array();
    const std::string why = "must be an array of " + count.text() + " tables ([[" + name + "]])";
    if (!a) fail(n, name, why);
    if (!count.contains(static_cast<std::int64_t>(a->size())))
      fail(n, name, why + " (got " + std::to_string(a->size()) + ")");
    for (std::size_t i = 0; i < a->size(); ++i)
      if (!(*a)[i].is_table()) fail(&(*a)[i], name + "[" + std::to_string(i) + "]", "must be a table");
    return a;
  }

  // "FILE:LINE: KEY: WHY", the line from toml++'s source region of the offending value.
  [[noreturn]] void fail(const toml::node* at, const std::string& key, const std::string& why) const {
    std::string place = file_;
    if (at && at->source().begin.line > 0) place += ":" + std::to_string(at->source().begin.line);
    throw SettingsError(place + ": " + key + ": " + why);
  }

  static std::string join(const std::string& a, const std::string& b) { return a.empty() ? b : a + "." + b; }

 private:
  std::string file_;
};

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

void load_config_file(const std::filesystem::path& path, DaemonSettings& s) {
  toml::table root;
  try {
    root = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    throw SettingsError(path.string() + ":" + std::to_string(e.source().begin.line) + ": " +
                        std::string(e.description()));
  }
  Reader r(path.string());
  r.only(root, "", "");

  if (const auto* m = r.table(root, "", "midi")) {
    r.only(*m, "midi", "midi");
    r.choice(*m, "midi", "backend", {"jack", "alsa"}, s.backend);
    r.string(*m, "midi", "client_name", s.midi.client_name);
    r.string(*m, "midi", "jack_server", s.midi.jack_server);
    r.strings(*m, "midi", "connect_input", s.midi.connect_input);
    if (const toml::node* n = m->get("startup_panic_channels")) {
      const toml::array* a = n->as_array();
      if (!a) r.fail(n, "midi.startup_panic_channels", "must be an array of channels in " + limits::channel.text());
      std::uint16_t mask = 0;
      for (std::size_t i = 0; i < a->size(); ++i) {
        const int channel =
            r.checked<int>((*a)[i], "midi.startup_panic_channels[" + std::to_string(i) + "]", limits::channel);
        mask = static_cast<std::uint16_t>(mask | (1u << (channel - 1)));
      }
      s.midi.startup_panic_channels = mask;
    }
    if (const toml::array* a = r.tables(*m, "midi", "output", limits::outputs)) {
      s.midi.outputs.clear();
      for (std::size_t i = 0; i < a->size(); ++i) {
        const std::string where = "midi.output[" + std::to_string(i) + "]";
        const toml::table& t = *(*a)[i].as_table();
        r.only(t, where, "midi.output");
        OutputPortSettings o;
        r.string(t, where, "name", o.name);
        r.strings(t, where, "connect", o.connect);
        r.integer(t, where, "max_note_ms", limits::max_note_ms, o.max_note_ms);
        r.integer(t, where, "max_polyphony", limits::max_polyphony, o.max_polyphony);
        if (o.name.empty()) r.fail(t.get("name") ? t.get("name") : &t, where + ".name", "must not be empty");
        s.midi.outputs.push_back(o);
      }
    }
  }
  if (const auto* m = r.table(root, "", "model")) {
    r.only(*m, "model", "model");
    r.string(*m, "model", "name", s.model);
    r.integer(*m, "model", "threads", limits::threads, s.threads);
    r.real(*m, "model", "tokens_per_step_budget", limits::tokens_per_step_budget, s.tokens_per_step_budget);
  }
  if (const auto* d = r.table(root, "", "duet")) {
    r.only(*d, "duet", "duet");
    std::string mode;
    r.choice(*d, "duet", "mode", {"answer", "accompany", "solo", "listen"}, mode);
    if (!mode.empty()) s.duet.mode = parse_duet_mode(mode);
    r.real(*d, "duet", "tempo", limits::tempo, s.duet.bpm);
    r.real(*d, "duet", "answer_silence_beats", limits::answer_silence_beats, s.duet.answer_silence_beats);
    r.integer(*d, "duet", "answer_bars", limits::answer_bars, s.duet.answer_bars);
    r.integer(*d, "duet", "beats_per_bar", limits::beats_per_bar, s.duet.beats_per_bar);
    r.real(*d, "duet", "lookahead_beats", limits::lookahead_beats, s.lookahead_beats);
    r.integer(*d, "duet", "commit_steps", limits::commit_steps, s.duet.commit_steps);
    r.string(*d, "duet", "human_instrument", s.duet.human_prefix);
    r.string(*d, "duet", "clara_instrument", s.duet.clara_prefix);
    s.human_instrument_given |= d->contains("human_instrument");
    s.clara_instrument_given |= d->contains("clara_instrument");
    r.integer(*d, "duet", "velocity", limits::velocity, s.duet.fixed_velocity);
  }
  if (const auto* p = r.table(root, "", "sampler")) {
    r.only(*p, "sampler", "sampler");
    std::string policy;
    r.choice(*p, "sampler", "policy", {"seed", "temperature", "top-k", "top-p"}, policy);
    if (policy == "seed") s.duet.sampler.policy = SamplingPolicy::kSeed;
    else if (policy == "temperature") s.duet.sampler.policy = SamplingPolicy::kTemperature;
    else if (policy == "top-k") s.duet.sampler.policy = SamplingPolicy::kTopK;
    else if (policy == "top-p") s.duet.sampler.policy = SamplingPolicy::kTopP;
    r.real(*p, "sampler", "temperature", limits::temperature, s.duet.sampler.temperature);
    r.integer(*p, "sampler", "top_k", limits::top_k, s.duet.sampler.top_k);
    r.real(*p, "sampler", "top_p", limits::top_p, s.duet.sampler.top_p);
    r.real(*p, "sampler", "random_freq", limits::random_freq, s.duet.sampler.random_freq);
    r.seed(*p, "sampler", "seed", s.duet.sampler.seed);
    try {
      s.duet.sampler.validate();
    } catch (const std::exception& e) {
      r.fail(p, "sampler", e.what());
    }
  }
  // Read after [midi] whatever their order in the file, so the output count is known.
  if (const toml::array* a = r.tables(root, "", "route", IntRange{0, std::numeric_limits<std::int64_t>::max()})) {
    s.routes.clear();
    const auto outputs = static_cast<std::int64_t>(s.midi.outputs.size());
    for (std::size_t i = 0; i < a->size(); ++i) {
      const std::string where = "route[" + std::to_string(i) + "]";
      const toml::table& t = *(*a)[i].as_table();
      r.only(t, where, "route");
      InstrumentRoute route;
      int channel = route.channel + 1;
      r.string(t, where, "instrument", route.instrument);
      if (const toml::node* n = t.get("output"); n && n->is_integer() &&
                                                 !IntRange{0, outputs - 1}.contains(n->as_integer()->get()))
        r.fail(n, where + ".output",
               "output " + std::to_string(n->as_integer()->get()) + " does not exist: must be an integer in " +
                   IntRange{0, outputs - 1}.text() + " (" + std::to_string(outputs) + (outputs == 1 ? " output port)" : " output ports)"));
      r.integer(t, where, "output", IntRange{0, outputs - 1}, route.output);
      r.integer(t, where, "channel", limits::channel, channel);
      r.integer(t, where, "program", limits::program, route.program);
      r.real(t, where, "velocity_curve", limits::velocity_curve, route.velocity_curve);
      r.integer(t, where, "note_low", limits::note, route.note_low);
      r.integer(t, where, "note_high", limits::note, route.note_high);
      if (route.note_high - route.note_low < limits::min_note_span)
        r.fail(&t, where, "note_low..note_high " + std::to_string(route.note_low) + ".." +
                              std::to_string(route.note_high) + " must lie in " + limits::note.text() +
                              " and span an octave (note_high - note_low >= " +
                              std::to_string(limits::min_note_span) + ")");
      route.channel = channel - 1;
      s.routes.push_back(route);
    }
  }
  if (const auto* l = r.table(root, "", "log")) {
    r.only(*l, "log", "log");
    r.choice(*l, "log", "level", {"error", "warning", "notice", "info", "debug"}, s.log_level);
  }
  if (const auto* q = r.table(root, "", "session")) {
    r.only(*q, "session", "session");
    r.boolean(*q, "session", "record", s.record_sessions);
    std::string dir;
    r.string(*q, "session", "dir", dir);
    if (!dir.empty()) s.sessions_dir = dir;
  }
  try {
    s.validate();
  } catch (const SettingsError& e) {
    throw SettingsError(path.string() + ": " + e.what());
  }
}

}  // namespace clara::daemon
