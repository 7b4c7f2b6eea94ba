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
#include "tests/daemon/config/settings_differences.hpp"

namespace fs = std::filesystem;
using namespace clara;
using namespace clara::daemon;

using test::differences;

namespace {

const fs::path kShipped = fs::path(CLARA_TEST_DATA) / ".." / ".." / "config" / "clarad.toml";

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
    // "temperature" is also a token long enough and a control to learn.
    for (const char* alt : {"alsa", "jack", "solo", "answer", "top-k", "seed", "debug", "info", "size", "slip",
                            "temperature", "int8", "cpu", "midi-clock"})
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
  // A commented-out array of tables ("# [[cc]]" and its "# key = value" lines) is an example
  // whose default is none: each must load as one valid table.
  std::ifstream in(kShipped);
  std::string line, section;
  const std::regex header(R"(^\[\[?([a-z_.]+)\]\]?)"), commented(R"(^#\s*([a-z_]+)\s*=\s*(.*?)\s*(#.*)?$)"),
      example_header(R"(^#\s*\[\[([a-z_.]+)\]\]\s*$)");
  std::string example_table, example;
  int examples = 0;
  auto end_example = [&] {
    if (example_table.empty()) return;
    const Loaded l = load(example);
    EXPECT_EQ(l.error, "") << example;
    EXPECT_EQ(l.settings.cc.size(), 1u) << example;
    ++examples;
    example_table.clear();
  };
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, header)) {
      end_example();
      section = m[1];
    } else if (std::regex_match(line, m, example_header)) {
      end_example();
      example_table = m[1];
      example = "[[" + example_table + "]]\n";
    } else if (!example_table.empty() && std::regex_match(line, m, commented)) {
      present.insert(example_table + "." + std::string(m[1]));
      example += std::string(m[1]) + " = " + std::string(m[2]) + "\n";
    } else if (!example_table.empty()) {
      end_example();
    } else if (std::regex_match(line, m, commented)) {
      const std::string key = m[1];
      present.insert(section + "." + key);
      // Even commented out, it shows the default: given, it changes nothing else.
      const Loaded l = load("[" + section + "]\n" + key + " = " + std::string(m[2]) + "\n");
      ASSERT_EQ(l.error, "") << line;
      const auto d = differences(l.settings, DaemonSettings{});
      EXPECT_TRUE(d.size() == 1 && d[0].ends_with("_instrument_given")) << line << ": " << joined(d);
    }
  }
  end_example();
  EXPECT_GE(examples, 1) << "no commented-out [[cc]] example";
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
