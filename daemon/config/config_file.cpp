#include "daemon/config/config_file.hpp"

#include <set>
#include <toml++/toml.h>

namespace clara::daemon {
namespace {

class Reader {
 public:
  Reader(const std::filesystem::path& file) : file_(file.string()) {}

  // Rejects keys of `table` not in `known`; `where` is the dotted path of the table.
  void only(const toml::table& table, const std::string& where, std::set<std::string> known) const {
    for (const auto& [k, v] : table) {
      (void)v;
      if (!known.count(std::string(k.str())))
        fail(join(where, std::string(k.str())), "unknown key");
    }
  }

  template <typename T>
  void get(const toml::table& t, const std::string& where, const char* key, T& out) const {
    const toml::node* n = t.get(key);
    if (!n) return;
    if constexpr (std::is_same_v<T, bool>) {
      if (!n->is_boolean()) fail(join(where, key), "must be true or false");
      out = n->as_boolean()->get();
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!n->is_string()) fail(join(where, key), "must be a string");
      out = n->as_string()->get();
    } else if constexpr (std::is_integral_v<T>) {
      if (!n->is_integer()) fail(join(where, key), "must be an integer");
      out = static_cast<T>(n->as_integer()->get());
    } else {
      if (n->is_integer()) out = static_cast<T>(n->as_integer()->get());
      else if (n->is_floating_point()) out = static_cast<T>(n->as_floating_point()->get());
      else fail(join(where, key), "must be a number");
    }
  }

  void strings(const toml::table& t, const std::string& where, const char* key, std::vector<std::string>& out) const {
    const toml::node* n = t.get(key);
    if (!n) return;
    const toml::array* a = n->as_array();
    if (!a) fail(join(where, key), "must be an array of strings");
    out.clear();
    for (const auto& e : *a) {
      if (!e.is_string()) fail(join(where, key), "must be an array of strings");
      out.push_back(e.as_string()->get());
    }
  }

  const toml::table* table(const toml::table& t, const std::string& where, const char* key) const {
    const toml::node* n = t.get(key);
    if (!n) return nullptr;
    if (!n->is_table()) fail(join(where, key), "must be a table");
    return n->as_table();
  }

  [[noreturn]] void fail(const std::string& key, const std::string& why) const {
    throw SettingsError(file_ + ": " + key + ": " + why);
  }

  static std::string join(const std::string& a, const std::string& b) { return a.empty() ? b : a + "." + b; }

 private:
  std::string file_;
};

}  // namespace

void load_config_file(const std::filesystem::path& path, DaemonSettings& s) {
  toml::table root;
  try {
    root = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    throw SettingsError(path.string() + ":" + std::to_string(e.source().begin.line) + ": " +
                        std::string(e.description()));
  }
  Reader r(path);
  r.only(root, "", {"midi", "model", "duet", "sampler", "route", "session", "log"});

  if (const auto* m = r.table(root, "", "midi")) {
    r.only(*m, "midi", {"backend", "client_name", "jack_server", "connect_input", "output", "startup_panic_channels"});
    r.get(*m, "midi", "backend", s.backend);
    r.get(*m, "midi", "client_name", s.midi.client_name);
    r.get(*m, "midi", "jack_server", s.midi.jack_server);
    r.strings(*m, "midi", "connect_input", s.midi.connect_input);
    if (const toml::node* n = m->get("startup_panic_channels")) {
      const toml::array* a = n->as_array();
      if (!a) r.fail("midi.startup_panic_channels", "must be an array of channels 1..16");
      std::uint16_t mask = 0;
      for (const auto& e : *a) {
        if (!e.is_integer() || e.as_integer()->get() < 1 || e.as_integer()->get() > 16)
          r.fail("midi.startup_panic_channels", "must be an array of channels 1..16");
        mask = static_cast<std::uint16_t>(mask | (1u << (e.as_integer()->get() - 1)));
      }
      s.midi.startup_panic_channels = mask;
    }
    if (const toml::node* n = m->get("output")) {
      const toml::array* a = n->as_array();
      if (!a || a->empty()) r.fail("midi.output", "must be an array of tables ([[midi.output]])");
      s.midi.outputs.clear();
      for (std::size_t i = 0; i < a->size(); ++i) {
        const std::string where = "midi.output[" + std::to_string(i) + "]";
        const toml::table* t = (*a)[i].as_table();
        if (!t) r.fail(where, "must be a table");
        r.only(*t, where, {"name", "connect", "max_note_ms", "max_polyphony"});
        OutputPortSettings o;
        r.get(*t, where, "name", o.name);
        r.strings(*t, where, "connect", o.connect);
        r.get(*t, where, "max_note_ms", o.max_note_ms);
        r.get(*t, where, "max_polyphony", o.max_polyphony);
        if (o.name.empty()) r.fail(where + ".name", "must not be empty");
        if (o.max_note_ms < 0 || o.max_polyphony < 0) r.fail(where, "limits must be >= 0");
        s.midi.outputs.push_back(o);
      }
    }
  }
  if (const auto* m = r.table(root, "", "model")) {
    r.only(*m, "model", {"name", "threads", "tokens_per_step_budget"});
    r.get(*m, "model", "name", s.model);
    r.get(*m, "model", "threads", s.threads);
    r.get(*m, "model", "tokens_per_step_budget", s.tokens_per_step_budget);
  }
  if (const auto* d = r.table(root, "", "duet")) {
    r.only(*d, "duet", {"mode", "tempo", "answer_silence_beats", "answer_bars", "beats_per_bar", "lookahead_beats",
                        "commit_steps", "human_instrument", "clara_instrument", "velocity"});
    std::string mode;
    r.get(*d, "duet", "mode", mode);
    if (!mode.empty()) {
      try {
        s.duet.mode = parse_duet_mode(mode);
      } catch (const std::exception& e) {
        r.fail("duet.mode", e.what());
      }
    }
    r.get(*d, "duet", "tempo", s.duet.bpm);
    r.get(*d, "duet", "answer_silence_beats", s.duet.answer_silence_beats);
    r.get(*d, "duet", "answer_bars", s.duet.answer_bars);
    r.get(*d, "duet", "beats_per_bar", s.duet.beats_per_bar);
    r.get(*d, "duet", "lookahead_beats", s.lookahead_beats);
    if (!(s.lookahead_beats > 0 && s.lookahead_beats <= 16)) r.fail("duet.lookahead_beats", "must be in (0, 16]");
    r.get(*d, "duet", "commit_steps", s.duet.commit_steps);
    r.get(*d, "duet", "human_instrument", s.duet.human_prefix);
    r.get(*d, "duet", "clara_instrument", s.duet.clara_prefix);
    s.human_instrument_given |= d->contains("human_instrument");
    s.clara_instrument_given |= d->contains("clara_instrument");
    r.get(*d, "duet", "velocity", s.duet.fixed_velocity);
  }
  if (const auto* p = r.table(root, "", "sampler")) {
    r.only(*p, "sampler", {"policy", "temperature", "top_k", "top_p", "random_freq", "seed"});
    std::string policy;
    r.get(*p, "sampler", "policy", policy);
    if (policy == "seed") s.duet.sampler.policy = SamplingPolicy::kSeed;
    else if (policy == "temperature") s.duet.sampler.policy = SamplingPolicy::kTemperature;
    else if (policy == "top-k") s.duet.sampler.policy = SamplingPolicy::kTopK;
    else if (policy == "top-p") s.duet.sampler.policy = SamplingPolicy::kTopP;
    else if (!policy.empty()) r.fail("sampler.policy", "'" + policy + "': use seed, temperature, top-k or top-p");
    r.get(*p, "sampler", "temperature", s.duet.sampler.temperature);
    r.get(*p, "sampler", "top_k", s.duet.sampler.top_k);
    r.get(*p, "sampler", "top_p", s.duet.sampler.top_p);
    r.get(*p, "sampler", "random_freq", s.duet.sampler.random_freq);
    r.get(*p, "sampler", "seed", s.duet.sampler.seed);
    try {
      s.duet.sampler.validate();
    } catch (const std::exception& e) {
      r.fail("sampler", e.what());
    }
  }
  if (const toml::node* n = root.get("route")) {
    const toml::array* a = n->as_array();
    if (!a) r.fail("route", "must be an array of tables ([[route]])");
    s.routes.clear();
    for (std::size_t i = 0; i < a->size(); ++i) {
      const std::string where = "route[" + std::to_string(i) + "]";
      const toml::table* t = (*a)[i].as_table();
      if (!t) r.fail(where, "must be a table");
      r.only(*t, where, {"instrument", "output", "channel", "program", "velocity_curve", "note_low", "note_high"});
      InstrumentRoute route;
      int channel = 1;
      r.get(*t, where, "instrument", route.instrument);
      r.get(*t, where, "output", route.output);
      r.get(*t, where, "channel", channel);
      r.get(*t, where, "program", route.program);
      r.get(*t, where, "velocity_curve", route.velocity_curve);
      r.get(*t, where, "note_low", route.note_low);
      r.get(*t, where, "note_high", route.note_high);
      if (channel < 1 || channel > 16) r.fail(where + ".channel", "must be 1..16");
      route.channel = channel - 1;
      s.routes.push_back(route);
    }
  }
  if (const auto* l = r.table(root, "", "log")) {
    r.only(*l, "log", {"level"});
    std::string level;
    r.get(*l, "log", "level", level);
    if (!level.empty()) {
      if (level != "error" && level != "warning" && level != "notice" && level != "info" && level != "debug")
        r.fail("log.level", "must be one of error, warning, notice, info, debug (got '" + level + "')");
      s.log_level = level;
    }
  }
  if (const auto* q = r.table(root, "", "session")) {
    r.only(*q, "session", {"record", "dir"});
    r.get(*q, "session", "record", s.record_sessions);
    std::string dir;
    r.get(*q, "session", "dir", dir);
    if (!dir.empty()) s.sessions_dir = dir;
  }
  try {
    s.validate();
  } catch (const SettingsError& e) {
    throw SettingsError(path.string() + ": " + e.what());
  }
}

}  // namespace clara::daemon
