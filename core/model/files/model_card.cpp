#include "core/model/files/model_card.hpp"

#include <cmath>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

#include "core/hash/sha256.hpp"

namespace clara::model {
namespace {

template <typename T>
T need(const toml::table& t, std::string_view key, const std::string& where) {
  auto node = t.at_path(key);
  if (!node) throw ModelFileError(where + ": missing key '" + std::string(key) + "'");
  if constexpr (std::is_same_v<T, double>) {
    if (auto v = node.value<double>()) return *v;  // integers are accepted as numbers too
  } else if (auto v = node.value_exact<T>()) {
    return *v;
  }
  throw ModelFileError(where + ": key '" + std::string(key) + "' has the wrong type");
}

template <typename T>
void maybe(const toml::table& t, std::string_view key, T& out) {
  if (auto v = t.at_path(key).value<T>()) out = *v;
}

std::vector<std::string> strings(const toml::table& t, std::string_view key, const std::string& where) {
  std::vector<std::string> out;
  auto node = t.at_path(key);
  if (!node) return out;
  const auto* arr = node.as_array();
  if (!arr) throw ModelFileError(where + ": key '" + std::string(key) + "' must be an array of strings");
  for (const auto& e : *arr) {
    auto s = e.value<std::string>();
    if (!s) throw ModelFileError(where + ": key '" + std::string(key) + "' must be an array of strings");
    out.push_back(*s);
  }
  return out;
}

std::string number(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// [sampling] is strict: a misspelt key or a value the sampler would refuse is an error here,
// not a surprise at generation time.
CardSampling parse_sampling(const toml::table& t, const std::string& where) {
  CardSampling s;
  const auto* node = t.get("sampling");
  if (!node) return s;
  const auto* table = node->as_table();
  if (!table) throw ModelFileError(where + ": 'sampling' must be a table");
  for (const auto& [key, value] : *table) {
    const std::string k(key.str());
    if (k != "policy" && k != "temperature" && k != "top_k" && k != "top_p" && k != "random_freq" &&
        k != "key_keeping")
      throw ModelFileError(where + ": unknown key 'sampling." + k +
                           "' (use policy, temperature, top_k, top_p, random_freq, key_keeping)");
  }
  if (auto n = table->get("policy")) {
    auto name = n->value<std::string>();
    if (!name) throw ModelFileError(where + ": key 'sampling.policy' must be a string");
    s.policy = card_policy_named(*name);
    if (!s.policy)
      throw ModelFileError(where + ": sampling.policy '" + *name + "': use seed, temperature, top-k or top-p");
  }
  auto real = [&](const char* key, double low, double high, bool low_open, std::optional<double>& out) {
    auto n = table->get(key);
    if (!n) return;
    auto v = n->value<double>();
    if (!v) throw ModelFileError(where + ": key 'sampling." + key + "' must be a number");
    const bool ok = std::isfinite(*v) && (low_open ? *v > low : *v >= low) && *v <= high;
    if (!ok)
      throw ModelFileError(where + ": sampling." + key + " " + number(*v) + ": must be in " + (low_open ? "(" : "[") +
                           number(low) + ", " + number(high) + "]");
    out = *v;
  };
  real("temperature", 0.05, 5.0, false, s.temperature);
  real("top_p", 0.0, 1.0, true, s.top_p);
  real("random_freq", 0.0, 1.0, false, s.random_freq);
  real("key_keeping", 0.0, SamplerConfig::kMaxKeyKeeping, false, s.key_keeping);
  if (auto n = table->get("top_k")) {
    auto v = n->value_exact<std::int64_t>();
    if (!v) throw ModelFileError(where + ": key 'sampling.top_k' must be an integer");
    if (*v < 1 || *v > (1 << 22))
      throw ModelFileError(where + ": sampling.top_k " + std::to_string(*v) + ": must be in 1..4194304");
    s.top_k = static_cast<int>(*v);
  }
  return s;
}

toml::table sampling_table(const CardSampling& s) {
  toml::table t;
  if (s.policy) t.insert("policy", std::string(card_policy_name(*s.policy)));
  if (s.temperature) t.insert("temperature", *s.temperature);
  if (s.top_k) t.insert("top_k", static_cast<std::int64_t>(*s.top_k));
  if (s.top_p) t.insert("top_p", *s.top_p);
  if (s.random_freq) t.insert("random_freq", *s.random_freq);
  if (s.key_keeping) t.insert("key_keeping", *s.key_keeping);
  return t;
}

// A metric the card holds as nan reads as not measured, and says so.
void metric(const toml::table& t, std::string_view key, const std::string& where, double& out,
            std::vector<std::string>& warnings) {
  maybe(t, key, out);
  if (std::isnan(out) && t.at_path(key))
    warnings.push_back(where + ": " + std::string(key) +
                       " is nan (trained without validation data); read as not measured");
}

}  // namespace

std::string ModelCard::to_toml() const {
  toml::array inst;
  for (const auto& s : instruments) inst.push_back(s);
  toml::array lrs;
  for (double x : peak_lrs) lrs.push_back(x);
  const auto& a = architecture;
  toml::table t{
      {"format_version", kFormatVersion},
      {"name", name},
      {"data", toml::table{{"encoding", encoding},
                           {"sample_freq", sample_freq},
                           {"note_low", note_low},
                           {"note_high", note_high},
                           {"instruments", inst},
                           {"vocabulary", vocabulary_file},
                           {"manifest_sha256", data_manifest_sha256},
                           {"split", data_split},
                           {"license", data_license},
                           {"attribution", attribution}}},
      {"architecture", toml::table{{"type", "awd-lstm"},
                                   {"vocab_size", a.vocab_size},
                                   {"emb", a.emb},
                                   {"hidden", a.hidden},
                                   {"layers", a.layers},
                                   {"dropoute", a.dropoute},
                                   {"dropouti", a.dropouti},
                                   {"wdrop", a.wdrop},
                                   {"dropouth", a.dropouth},
                                   {"dropout", a.dropout},
                                   {"alpha", a.alpha},
                                   {"beta", a.beta}}},
      {"training", toml::table{{"seconds", training_seconds},
                               {"tokens_seen", tokens_seen},
                               {"iterations", iterations},
                               {"epochs", epochs},
                               {"batch_size", batch_size},
                               {"bptt", bptt},
                               {"peak_lrs", lrs},
                               {"finished", finished}}},
  };
  if (!init_from.empty()) t["training"].as_table()->insert("init_from", init_from);
  // Never a nan in a card: an unmeasured metric is simply absent.
  toml::table metrics;
  if (std::isfinite(valid_loss)) metrics.insert("valid_loss", valid_loss);
  if (std::isfinite(valid_accuracy)) metrics.insert("valid_accuracy", valid_accuracy);
  t.insert("metrics", std::move(metrics));
  if (!sampling.empty()) t.insert("sampling", sampling_table(sampling));
  std::ostringstream os;
  os << "# Clara generator model card\n" << t << "\n";
  return os.str();
}

ModelCard ModelCard::parse(std::string_view text, const std::string& where) {
  toml::table t;
  try {
    t = toml::parse(text, where);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << where << ":" << e.source().begin.line << ": " << e.description();
    throw ModelFileError(os.str());
  }
  if (need<std::int64_t>(t, "format_version", where) != kFormatVersion)
    throw ModelFileError(where + ": unsupported format_version (expected " + std::to_string(kFormatVersion) + ")");
  if (need<std::string>(t, "architecture.type", where) != "awd-lstm")
    throw ModelFileError(where + ": architecture.type must be \"awd-lstm\"");
  ModelCard c;
  c.name = need<std::string>(t, "name", where);
  c.encoding = need<std::string>(t, "data.encoding", where);
  c.sample_freq = need<std::int64_t>(t, "data.sample_freq", where);
  c.note_low = need<std::int64_t>(t, "data.note_low", where);
  c.note_high = need<std::int64_t>(t, "data.note_high", where);
  c.instruments = strings(t, "data.instruments", where);
  c.vocabulary_file = need<std::string>(t, "data.vocabulary", where);
  maybe(t, "data.manifest_sha256", c.data_manifest_sha256);
  maybe(t, "data.split", c.data_split);
  maybe(t, "data.license", c.data_license);
  maybe(t, "data.attribution", c.attribution);
  auto& a = c.architecture;
  a.vocab_size = need<std::int64_t>(t, "architecture.vocab_size", where);
  a.emb = need<std::int64_t>(t, "architecture.emb", where);
  a.hidden = need<std::int64_t>(t, "architecture.hidden", where);
  a.layers = need<std::int64_t>(t, "architecture.layers", where);
  maybe(t, "architecture.dropoute", a.dropoute);
  maybe(t, "architecture.dropouti", a.dropouti);
  maybe(t, "architecture.wdrop", a.wdrop);
  maybe(t, "architecture.dropouth", a.dropouth);
  maybe(t, "architecture.dropout", a.dropout);
  maybe(t, "architecture.alpha", a.alpha);
  maybe(t, "architecture.beta", a.beta);
  // Sizes come from a file we may not trust: bound them before anything allocates.
  constexpr std::int64_t kMaxWidth = 1 << 14, kMaxVocab = 1 << 22, kMaxLayers = 64;
  if (a.vocab_size < 4 || a.vocab_size > kMaxVocab || a.emb < 1 || a.emb > kMaxWidth || a.hidden < 1 ||
      a.hidden > kMaxWidth || a.layers < 1 || a.layers > kMaxLayers)
    throw ModelFileError(where + ": architecture sizes out of range");
  try {
    a.validate();
  } catch (const std::invalid_argument& e) {
    throw ModelFileError(where + ": architecture: " + e.what());
  }
  maybe(t, "training.seconds", c.training_seconds);
  maybe(t, "training.tokens_seen", c.tokens_seen);
  maybe(t, "training.iterations", c.iterations);
  maybe(t, "training.epochs", c.epochs);
  maybe(t, "training.batch_size", c.batch_size);
  maybe(t, "training.bptt", c.bptt);
  maybe(t, "training.finished", c.finished);
  maybe(t, "training.init_from", c.init_from);
  if (auto* arr = t.at_path("training.peak_lrs").as_array())
    for (const auto& e : *arr)
      if (auto v = e.value<double>()) c.peak_lrs.push_back(*v);
  metric(t, "metrics.valid_loss", where, c.valid_loss, c.warnings);
  metric(t, "metrics.valid_accuracy", where, c.valid_accuracy, c.warnings);
  c.sampling = parse_sampling(t, where);
  return c;
}

ModelCard ModelCard::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelFileError(path.string() + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path.string());
}

void ModelCard::describe_data(const std::filesystem::path& manifest) {
  if (!std::filesystem::exists(manifest)) return;
  data_manifest_sha256 = sha256_file(manifest);
  toml::table t;
  try {
    t = toml::parse_file(manifest.string());
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << manifest.string() << ":" << e.source().begin.line << ": " << e.description();
    throw ModelFileError(os.str());
  }
  // `clara encode` records its spec under [spec] (core/encoding_spec_toml).
  maybe(t, "spec.encoding", encoding);
  maybe(t, "spec.sample_freq", sample_freq);
  std::int64_t lowest = 0, size = 0;
  maybe(t, "spec.range_lowest", lowest);
  maybe(t, "spec.range_size", size);
  if (size > 0) note_low = lowest, note_high = lowest + size - 1;
  std::string parts;
  maybe(t, "spec.parts", parts);
  if (!parts.empty()) instruments = {parts};
  maybe(t, "license", data_license);
  maybe(t, "attribution", attribution);
  maybe(t, "source.license", data_license);
  maybe(t, "source.attribution", attribution);
}

}  // namespace clara::model
