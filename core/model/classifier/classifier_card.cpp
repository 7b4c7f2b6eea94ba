#include "core/model/classifier/classifier_card.hpp"

#include <cmath>
#include <sstream>
#include <toml++/toml.h>

#include "core/model/files/model_card.hpp"

namespace clara::model {
namespace {

const toml::node& need(const toml::table& t, std::string_view key, const std::string& where) {
  auto node = t.at_path(key);
  if (!node) throw ModelFileError(where + ": missing key '" + std::string(key) + "'");
  return *node.node();
}

std::int64_t need_int(const toml::table& t, std::string_view key, const std::string& where, std::int64_t lo,
                      std::int64_t hi) {
  auto v = need(t, key, where).value_exact<std::int64_t>();
  if (!v) throw ModelFileError(where + ": key '" + std::string(key) + "' must be an integer");
  if (*v < lo || *v > hi)
    throw ModelFileError(where + ": key '" + std::string(key) + "' = " + std::to_string(*v) + " is outside " +
                         std::to_string(lo) + ".." + std::to_string(hi));
  return *v;
}

double opt_double(const toml::table& t, std::string_view key, double fallback) {
  auto v = t.at_path(key).value<double>();
  return v ? *v : fallback;
}

std::string opt_string(const toml::table& t, std::string_view key) {
  auto v = t.at_path(key).value<std::string>();
  return v ? *v : std::string();
}

std::vector<std::int64_t> ints(const toml::table& t, std::string_view key) {
  std::vector<std::int64_t> out;
  if (const auto* a = t.at_path(key).as_array())
    for (const auto& e : *a)
      if (auto v = e.value<std::int64_t>()) out.push_back(*v);
  return out;
}

toml::array int_array(const std::vector<std::int64_t>& v) {
  toml::array a;
  for (auto x : v) a.push_back(x);
  return a;
}

}  // namespace

std::string ClassifierCard::to_toml() const {
  toml::table t;
  t.insert("format", kFormatVersion);
  t.insert("kind", kind);
  t.insert("name", name);
  toml::array cls;
  for (const auto& c : classes) cls.push_back(c);
  t.insert("classes", cls);
  t.insert("sample_tokens", sample_tokens);
  t.insert("vocabulary", vocabulary_file);
  if (!init_from.empty()) t.insert("init_from", init_from);
  toml::table a;
  a.insert("vocab_size", architecture.vocab_size);
  a.insert("emb", architecture.emb);
  a.insert("hidden", architecture.hidden);
  a.insert("layers", architecture.layers);
  a.insert("dropoute", architecture.dropoute);
  a.insert("dropouti", architecture.dropouti);
  a.insert("wdrop", architecture.wdrop);
  a.insert("dropouth", architecture.dropouth);
  a.insert("dropout", architecture.dropout);
  t.insert("architecture", a);
  toml::table d;
  d.insert("source", data);
  if (!data_license.empty()) d.insert("license", data_license);
  d.insert("class_choice", class_choice);
  d.insert("train_pieces", int_array(train_pieces));
  d.insert("valid_pieces", int_array(valid_pieces));
  d.insert("test_pieces", int_array(test_pieces));
  t.insert("data", d);
  toml::table tr;
  tr.insert("seconds", std::round(training_seconds * 10) / 10);
  tr.insert("epochs", epochs);
  tr.insert("samples_per_epoch", samples_per_epoch);
  tr.insert("batch_size", batch_size);
  tr.insert("peak_lr", peak_lr);
  tr.insert("seed", static_cast<std::int64_t>(seed));
  tr.insert("finished", finished);
  t.insert("training", tr);
  toml::table f;
  if (std::isfinite(valid_accuracy)) f.insert("valid_accuracy", valid_accuracy);
  toml::array conf;
  for (const auto& row : valid_confusion) conf.push_back(int_array(row));
  if (!valid_confusion.empty()) f.insert("valid_confusion", conf);
  t.insert("figures", f);
  std::ostringstream os;
  os << "# A Clara judging model (clara train-" << kind << "); see README.md.\n" << t << "\n";
  return os.str();
}

ClassifierCard ClassifierCard::parse(std::string_view text, const std::string& where) {
  toml::table t;
  try {
    t = toml::parse(text, where);
  } catch (const toml::parse_error& e) {
    throw ModelFileError(where + ":" + std::to_string(e.source().begin.line) + ":" +
                         std::to_string(e.source().begin.column) + ": " + std::string(e.description()));
  }
  const auto format = need_int(t, "format", where, 0, 1 << 20);
  if (format != kFormatVersion)
    throw ModelFileError(where + ": format " + std::to_string(format) + " is not " + std::to_string(kFormatVersion) +
                         " (made by another version of Clara)");
  ClassifierCard c;
  auto kind = need(t, "kind", where).value<std::string>();
  if (!kind || (*kind != "critic" && *kind != "composer"))
    throw ModelFileError(where + ": key 'kind' must be \"critic\" or \"composer\"");
  c.kind = *kind;
  c.name = opt_string(t, "name");
  const auto* cls = need(t, "classes", where).as_array();
  if (!cls) throw ModelFileError(where + ": key 'classes' must be an array of strings");
  for (const auto& e : *cls) {
    auto s = e.value<std::string>();
    if (!s || s->empty()) throw ModelFileError(where + ": key 'classes' must be an array of non-empty strings");
    c.classes.push_back(*s);
  }
  if (c.classes.size() < 2) throw ModelFileError(where + ": key 'classes' needs at least 2 classes");
  if (c.kind == "critic" && (c.classes.size() != 2 || c.classes[0] != "human"))
    throw ModelFileError(where + ": a critic's classes are [\"human\", \"generated\"]");
  c.sample_tokens = need_int(t, "sample_tokens", where, 2, 1 << 20);
  if (auto v = t["vocabulary"].value<std::string>()) c.vocabulary_file = *v;
  c.init_from = opt_string(t, "init_from");
  auto& a = c.architecture;
  a.vocab_size = need_int(t, "architecture.vocab_size", where, 4, 1 << 20);
  a.emb = need_int(t, "architecture.emb", where, 1, 1 << 14);
  a.hidden = need_int(t, "architecture.hidden", where, 1, 1 << 14);
  a.layers = need_int(t, "architecture.layers", where, 1, 16);
  a.dropoute = opt_double(t, "architecture.dropoute", 0);
  a.dropouti = opt_double(t, "architecture.dropouti", 0);
  a.wdrop = opt_double(t, "architecture.wdrop", 0);
  a.dropouth = opt_double(t, "architecture.dropouth", 0);
  a.dropout = opt_double(t, "architecture.dropout", 0);
  try {
    a.validate();
  } catch (const std::invalid_argument& e) {
    throw ModelFileError(where + ": [architecture]: " + e.what());
  }
  c.data = opt_string(t, "data.source");
  c.data_license = opt_string(t, "data.license");
  c.class_choice = opt_string(t, "data.class_choice");
  c.train_pieces = ints(t, "data.train_pieces");
  c.valid_pieces = ints(t, "data.valid_pieces");
  c.test_pieces = ints(t, "data.test_pieces");
  c.training_seconds = opt_double(t, "training.seconds", 0);
  c.epochs = t.at_path("training.epochs").value_or<std::int64_t>(0);
  c.samples_per_epoch = t.at_path("training.samples_per_epoch").value_or<std::int64_t>(0);
  c.batch_size = t.at_path("training.batch_size").value_or<std::int64_t>(0);
  c.peak_lr = opt_double(t, "training.peak_lr", 0);
  c.seed = static_cast<std::uint64_t>(t.at_path("training.seed").value_or<std::int64_t>(0));
  c.finished = t.at_path("training.finished").value_or(false);
  c.valid_accuracy = opt_double(t, "figures.valid_accuracy", std::numeric_limits<double>::quiet_NaN());
  if (const auto* conf = t.at_path("figures.valid_confusion").as_array())
    for (const auto& row : *conf) {
      std::vector<std::int64_t> r;
      if (const auto* ra = row.as_array())
        for (const auto& e : *ra) r.push_back(e.value_or<std::int64_t>(0));
      c.valid_confusion.push_back(std::move(r));
    }
  return c;
}

}  // namespace clara::model
