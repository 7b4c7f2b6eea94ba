// config/clarad.toml presents itself as clarad's defaults: these tests hold it to the
// built-in ones (DaemonSettings{}) key by key, through the loader clarad uses.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>
#include <toml++/toml.h>
#include <unistd.h>

#include "daemon/config/command_line.hpp"
#include "daemon/config/config_file.hpp"

namespace fs = std::filesystem;
using namespace clara;
using namespace clara::daemon;

namespace {

const fs::path kShipped = fs::path(CLARA_TEST_DATA) / ".." / ".." / "config" / "clarad.toml";

// The fields of a and b that differ, by name. Routes are compared as clarad uses them
// (effective_routes), so a [[route]] equal to the default route is no difference.
std::vector<std::string> differences(const DaemonSettings& a, const DaemonSettings& b) {
  std::vector<std::string> d;
  auto field = [&](const std::string& name, const auto& x, const auto& y) {
    if (!(x == y)) d.push_back(name);
  };
  field("backend", a.backend, b.backend);
  field("model", a.model, b.model);
  field("threads", a.threads, b.threads);
  field("duet.mode", a.duet.mode, b.duet.mode);
  field("duet.bpm", a.duet.bpm, b.duet.bpm);
  field("duet.lookahead_steps", a.duet.lookahead_steps, b.duet.lookahead_steps);
  field("duet.commit_steps", a.duet.commit_steps, b.duet.commit_steps);
  field("duet.answer_silence_beats", a.duet.answer_silence_beats, b.duet.answer_silence_beats);
  field("duet.answer_bars", a.duet.answer_bars, b.duet.answer_bars);
  field("duet.beats_per_bar", a.duet.beats_per_bar, b.duet.beats_per_bar);
  field("duet.human_prefix", a.duet.human_prefix, b.duet.human_prefix);
  field("duet.clara_prefix", a.duet.clara_prefix, b.duet.clara_prefix);
  field("duet.fixed_velocity", a.duet.fixed_velocity, b.duet.fixed_velocity);
  field("duet.clara_channel", a.duet.clara_channel, b.duet.clara_channel);
  field("duet.clara_port", a.duet.clara_port, b.duet.clara_port);
  field("duet.sampler.policy", a.duet.sampler.policy, b.duet.sampler.policy);
  field("duet.sampler.temperature", a.duet.sampler.temperature, b.duet.sampler.temperature);
  field("duet.sampler.top_k", a.duet.sampler.top_k, b.duet.sampler.top_k);
  field("duet.sampler.top_p", a.duet.sampler.top_p, b.duet.sampler.top_p);
  field("duet.sampler.random_freq", a.duet.sampler.random_freq, b.duet.sampler.random_freq);
  field("duet.sampler.seed", a.duet.sampler.seed, b.duet.sampler.seed);
  const auto& ga = a.duet.grammar;
  const auto& gb = b.duet.grammar;
  field("duet.grammar", std::tie(ga.forbid_unmatched_end, ga.forbid_double_onset, ga.max_note_steps, ga.max_polyphony,
                                 ga.forbid_unk_pad),
        std::tie(gb.forbid_unmatched_end, gb.forbid_double_onset, gb.max_note_steps, gb.max_polyphony,
                 gb.forbid_unk_pad));
  field("lookahead_beats", a.lookahead_beats, b.lookahead_beats);
  field("human_instrument_given", a.human_instrument_given, b.human_instrument_given);
  field("clara_instrument_given", a.clara_instrument_given, b.clara_instrument_given);
  field("midi.client_name", a.midi.client_name, b.midi.client_name);
  field("midi.input_name", a.midi.input_name, b.midi.input_name);
  field("midi.connect_input", a.midi.connect_input, b.midi.connect_input);
  field("midi.startup_panic_channels", a.midi.startup_panic_channels, b.midi.startup_panic_channels);
  field("midi.jack_server", a.midi.jack_server, b.midi.jack_server);
  field("midi.outputs.size", a.midi.outputs.size(), b.midi.outputs.size());
  for (std::size_t i = 0; i < std::min(a.midi.outputs.size(), b.midi.outputs.size()); ++i) {
    const auto& x = a.midi.outputs[i];
    const auto& y = b.midi.outputs[i];
    const std::string w = "midi.outputs[" + std::to_string(i) + "].";
    field(w + "name", x.name, y.name);
    field(w + "connect", x.connect, y.connect);
    field(w + "max_note_ms", x.max_note_ms, y.max_note_ms);
    field(w + "max_polyphony", x.max_polyphony, y.max_polyphony);
  }
  const auto ra = effective_routes(a);
  const auto rb = effective_routes(b);
  field("routes.size", ra.size(), rb.size());
  for (std::size_t i = 0; i < std::min(ra.size(), rb.size()); ++i) {
    const std::string w = "routes[" + std::to_string(i) + "].";
    field(w + "instrument", ra[i].instrument, rb[i].instrument);
    field(w + "output", ra[i].output, rb[i].output);
    field(w + "channel", ra[i].channel, rb[i].channel);
    field(w + "program", ra[i].program, rb[i].program);
    field(w + "velocity_curve", ra[i].velocity_curve, rb[i].velocity_curve);
    field(w + "note_low", ra[i].note_low, rb[i].note_low);
    field(w + "note_high", ra[i].note_high, rb[i].note_high);
  }
  field("record_sessions", a.record_sessions, b.record_sessions);
  field("sessions_dir", a.sessions_dir, b.sessions_dir);
  field("stats_file", a.stats_file, b.stats_file);
  field("log_level", a.log_level, b.log_level);
  field("tokens_per_step_budget", a.tokens_per_step_budget, b.tokens_per_step_budget);
  return d;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s.empty() ? "(none)" : s;
}

// One key of the file: the tables above it (an array-of-tables entry keeps its place
// as `element`), its name and its value.
struct Segment {
  std::string key;
  bool element = false;  // one table of an array of tables ([[key]])
};
struct Leaf {
  std::vector<Segment> tables;
  std::string key;
  const toml::node* value;
  std::string name;    // "route[0].channel"
  std::string schema;  // "route.channel"
};

void walk(const toml::table& t, std::vector<Segment>& tables, const std::string& name, const std::string& schema,
          std::vector<Leaf>& out) {
  for (const auto& [k, v] : t) {
    const std::string key(k.str());
    const std::string n = name.empty() ? key : name + "." + key;
    const std::string s = schema.empty() ? key : schema + "." + key;
    if (v.is_table()) {
      tables.push_back({key, false});
      walk(*v.as_table(), tables, n, s, out);
      tables.pop_back();
    } else if (v.is_array_of_tables()) {
      const toml::array& a = *v.as_array();
      for (std::size_t i = 0; i < a.size(); ++i) {
        tables.push_back({key, true});
        walk(*a[i].as_table(), tables, n + "[" + std::to_string(i) + "]", s, out);
        tables.pop_back();
      }
    } else {
      out.push_back({tables, key, &v, n, s});
    }
  }
}

// A file holding only `key = value` inside its tables.
std::string document(const std::vector<Segment>& tables, const std::string& key, const toml::node& value) {
  toml::table inner;
  value.visit([&](const auto& x) { inner.insert(key, x); });
  for (auto it = tables.rbegin(); it != tables.rend(); ++it) {
    toml::table outer;
    if (it->element) {
      toml::array a;
      a.push_back(std::move(inner));
      outer.insert(it->key, std::move(a));
    } else {
      outer.insert(it->key, std::move(inner));
    }
    inner = std::move(outer);
  }
  std::ostringstream os;
  os << inner;
  return os.str();
}

// Loads `text` through clarad's loader: the settings, or the loader's error.
struct Loaded {
  DaemonSettings settings;
  std::string error;
};
Loaded load(const std::string& text) {
  static int n = 0;
  const fs::path p = fs::temp_directory_path() /
                     ("clara-shipped-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".toml");
  std::ofstream(p) << text;
  Loaded l;
  try {
    load_config_file(p, l.settings);
  } catch (const SettingsError& e) {
    l.error = e.what();
  }
  fs::remove(p);
  return l;
}

// Other values of the same type, in the hope that one is valid: a valid value other
// than the default must show up in differences(), or differences() misses its field.
std::vector<std::unique_ptr<toml::node>> others(const toml::node& v) {
  std::vector<std::unique_ptr<toml::node>> o;
  if (const auto* b = v.as_boolean()) {
    o.push_back(std::make_unique<toml::value<bool>>(!b->get()));
  } else if (const auto* i = v.as_integer()) {
    o.push_back(std::make_unique<toml::value<std::int64_t>>(i->get() + 1));
    o.push_back(std::make_unique<toml::value<std::int64_t>>(i->get() - 1));
  } else if (const auto* f = v.as_floating_point()) {
    o.push_back(std::make_unique<toml::value<double>>(f->get() * 1.01 + 0.01));
    o.push_back(std::make_unique<toml::value<double>>(f->get() * 0.99 - 0.01));
  } else if (const auto* s = v.as_string()) {
    for (const char* alt : {"alsa", "jack", "solo", "answer", "top-k", "seed", "debug", "info"})
      if (s->get() != alt) o.push_back(std::make_unique<toml::value<std::string>>(alt));
    o.push_back(std::make_unique<toml::value<std::string>>(s->get() + "x"));
  } else if (const auto* a = v.as_array()) {
    if (a->empty()) {
      o.push_back(std::make_unique<toml::array>(toml::array{"x"}));
    } else {
      auto shorter = std::make_unique<toml::array>(*a);
      shorter->erase(shorter->end() - 1);
      o.push_back(std::move(shorter));
    }
  }
  return o;
}

std::vector<Leaf> shipped_leaves(toml::table& root) {
  root = toml::parse_file(kShipped.string());
  std::vector<Leaf> leaves;
  std::vector<Segment> tables;
  walk(root, tables, "", "", leaves);
  return leaves;
}

}  // namespace

TEST(ShippedConfig, LoadsToExactlyTheBuiltInDefaults) {
  DaemonSettings s;
  load_config_file(kShipped, s);
  EXPECT_EQ(joined(differences(s, DaemonSettings{})), "(none)");
}

TEST(ShippedConfig, EveryKeyOfTheFileIsTheBuiltInDefault) {
  toml::table root;
  const auto leaves = shipped_leaves(root);
  ASSERT_GE(leaves.size(), 35u) << "the walk lost keys";
  for (const auto& leaf : leaves) {
    SCOPED_TRACE(leaf.name);
    const std::string doc = document(leaf.tables, leaf.key, *leaf.value);
    const Loaded l = load(doc);
    ASSERT_EQ(l.error, "") << doc;
    EXPECT_EQ(joined(differences(l.settings, DaemonSettings{})), "(none)")
        << leaf.name << " in config/clarad.toml is not the built-in default:\n"
        << doc;
  }
}

// Without this, a field missing from differences() would let its key pass above whatever
// the file said.
TEST(ShippedConfig, EveryKeyOfTheFileReachesAFieldTheComparisonSees) {
  // Only one output port is shipped, so output 0 is the one valid value.
  const std::set<std::string> single_valued{"route[0].output"};
  toml::table root;
  for (const auto& leaf : shipped_leaves(root)) {
    SCOPED_TRACE(leaf.name);
    if (single_valued.count(leaf.name)) continue;
    bool seen = false;
    std::string tried;
    for (const auto& other : others(*leaf.value)) {
      const std::string doc = document(leaf.tables, leaf.key, *other);
      const Loaded l = load(doc);
      if (!l.error.empty()) {
        tried += "\n" + doc + " -> " + l.error;
        continue;
      }
      seen = !differences(l.settings, DaemonSettings{}).empty();
      tried += "\n" + doc + " -> no difference";
      break;
    }
    EXPECT_TRUE(seen) << leaf.name << ": no other value changed a compared field:" << tried;
  }
}

TEST(ShippedConfig, EveryKeyTheLoaderReadsIsInTheFile) {
  toml::table root;
  std::set<std::string> present;
  for (const auto& leaf : shipped_leaves(root)) present.insert(leaf.schema);
  // Keys shown commented out ("# human_instrument = ..."): their default depends on the model.
  std::ifstream in(kShipped);
  std::string line, section;
  const std::regex header(R"(^\[\[?([a-z_.]+)\]\]?)"), commented(R"(^#\s*([a-z_]+)\s*=\s*(.*?)\s*(#.*)?$)");
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, header)) section = m[1];
    else if (std::regex_match(line, m, commented)) {
      const std::string key = m[1];
      present.insert(section + "." + key);
      // Even commented out, it shows the default: given, it changes nothing else.
      const Loaded l = load("[" + section + "]\n" + key + " = " + std::string(m[2]) + "\n");
      ASSERT_EQ(l.error, "") << line;
      const auto d = differences(l.settings, DaemonSettings{});
      EXPECT_TRUE(d.size() == 1 && d[0].ends_with("_instrument_given")) << line << ": " << joined(d);
    }
  }
  for (const auto& key : config_file_keys()) EXPECT_TRUE(present.count(key)) << key << " is not in config/clarad.toml";
}

TEST(ShippedConfig, WithoutAConfigFileTheOutputCapsAreOn) {
  const DaemonSettings d;
  ASSERT_EQ(d.midi.outputs.size(), 1u);
  EXPECT_EQ(d.midi.outputs[0].max_note_ms, 8000);
  EXPECT_EQ(d.midi.outputs[0].max_polyphony, 16);

  DaemonSettings s;  // clarad's own path: flags, no --config
  parse_command_line({"--connect-out", "synth:.*"}, s);
  EXPECT_EQ(s.midi.outputs[0].max_note_ms, 8000);
  EXPECT_EQ(s.midi.outputs[0].max_polyphony, 16);

  // A port the file declares without naming the caps gets them too.
  const Loaded l = load("[[midi.output]]\nname = \"synth\"\n[[midi.output]]\nname = \"drums\"\n");
  ASSERT_EQ(l.error, "");
  ASSERT_EQ(l.settings.midi.outputs.size(), 2u);
  for (const auto& o : l.settings.midi.outputs) {
    EXPECT_EQ(o.max_note_ms, 8000) << o.name;
    EXPECT_EQ(o.max_polyphony, 16) << o.name;
  }
}
