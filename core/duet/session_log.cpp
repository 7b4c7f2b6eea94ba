#include "core/duet/session_log.hpp"

#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "core/encoding/encoding_spec_toml.hpp"

namespace clara {
namespace {

constexpr std::string_view kInputsMarker = "--- inputs ---";

std::string_view policy_name(SamplingPolicy p) {
  switch (p) {
    case SamplingPolicy::kSeed: return "seed";
    case SamplingPolicy::kTemperature: return "temperature";
    case SamplingPolicy::kTopK: return "top-k";
    case SamplingPolicy::kTopP: return "top-p";
  }
  return "seed";
}

std::string format_double(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

// Reads a header table strictly: every key must be read once, and none may be left over.
class TableReader {
 public:
  TableReader(const toml::table& t, std::string where, const std::string& file)
      : table_(t), where_(std::move(where)), file_(file) {}

  [[noreturn]] void fail(const toml::node* node, const std::string& what) const {
    std::ostringstream msg;
    msg << file_;
    if (node && node->source().begin) msg << ":" << node->source().begin.line;
    msg << ": " << where_ << what;
    throw SessionLogError(msg.str());
  }

  template <typename T>
  T get(const char* key) {
    used_.insert(key);
    const toml::node* node = table_.get(key);
    if (!node) fail(nullptr, std::string("key '") + key + "' is missing");
    std::optional<T> v;
    if constexpr (std::is_same_v<T, double>) {
      // TOML writes 120.0 as a float, but a hand-edited 120 is fine too.
      if (node->is_integer())
        v = static_cast<double>(*node->value<std::int64_t>());
      else if (node->is_floating_point())
        v = node->value<double>();
    } else if constexpr (std::is_same_v<T, bool>) {
      if (node->is_boolean()) v = node->value<bool>();
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (node->is_string()) v = node->value<std::string>();
    } else {
      if (node->is_integer()) v = node->value<std::int64_t>();
    }
    if (!v) fail(node, std::string("key '") + key + "' has the wrong type");
    return static_cast<T>(*v);
  }
  int get_int(const char* key) {
    const std::int64_t v = get<std::int64_t>(key);
    if (v < INT32_MIN || v > INT32_MAX) fail(table_.get(key), std::string("key '") + key + "' is out of range");
    return static_cast<int>(v);
  }
  const toml::table& sub(const char* key) {
    used_.insert(key);
    const toml::node* node = table_.get(key);
    if (!node) fail(nullptr, std::string("table [") + key + "] is missing");
    if (!node->is_table()) fail(node, std::string("'") + key + "' is not a table");
    return *node->as_table();
  }
  const toml::node* node(const char* key) const { return table_.get(key); }
  void finish() const {
    for (const auto& [k, v] : table_)
      if (!used_.contains(std::string(k.str()))) fail(&v, "unknown key '" + std::string(k.str()) + "'");
  }

 private:
  const toml::table& table_;
  std::string where_;
  const std::string& file_;
  std::set<std::string> used_;
};

toml::table config_table(const DuetConfig& c) {
  const SamplerConfig& s = c.sampler;
  const GrammarConfig& g = c.grammar;
  return toml::table{
      {"mode", std::string(to_string(c.mode))},
      {"bpm", c.bpm},
      {"lookahead_steps", c.lookahead_steps},
      {"commit_steps", c.commit_steps},
      {"answer_silence_beats", c.answer_silence_beats},
      {"answer_bars", c.answer_bars},
      {"beats_per_bar", c.beats_per_bar},
      {"human_prefix", c.human_prefix},
      {"clara_prefix", c.clara_prefix},
      {"fixed_velocity", c.fixed_velocity},
      {"clara_channel", c.clara_channel},
      {"clara_port", static_cast<int>(c.clara_port)},
      {"sampler",
       toml::table{{"policy", std::string(policy_name(s.policy))},
                   {"temperature", s.temperature},
                   {"top_k", s.top_k},
                   {"top_p", s.top_p},
                   {"random_freq", s.random_freq},
                   // TOML integers are signed 64-bit; a seed may not be.
                   {"seed", std::to_string(s.seed)}}},
      {"grammar", toml::table{{"forbid_unmatched_end", g.forbid_unmatched_end},
                              {"forbid_double_onset", g.forbid_double_onset},
                              {"max_note_steps", g.max_note_steps},
                              {"max_polyphony", g.max_polyphony},
                              {"forbid_unk_pad", g.forbid_unk_pad}}},
  };
}

DuetConfig read_config(TableReader& duet, const std::string& file) {
  DuetConfig c;
  const std::string mode = duet.get<std::string>("mode");
  try {
    c.mode = parse_duet_mode(mode);
  } catch (const std::invalid_argument& e) {
    duet.fail(duet.node("mode"), e.what());
  }
  c.bpm = duet.get<double>("bpm");
  c.lookahead_steps = duet.get_int("lookahead_steps");
  c.commit_steps = duet.get_int("commit_steps");
  c.answer_silence_beats = duet.get<double>("answer_silence_beats");
  c.answer_bars = duet.get_int("answer_bars");
  c.beats_per_bar = duet.get_int("beats_per_bar");
  c.human_prefix = duet.get<std::string>("human_prefix");
  c.clara_prefix = duet.get<std::string>("clara_prefix");
  c.fixed_velocity = duet.get_int("fixed_velocity");
  c.clara_channel = duet.get_int("clara_channel");
  const int port = duet.get_int("clara_port");
  if (port < 0 || port > 255) duet.fail(duet.node("clara_port"), "clara_port must be within 0..255");
  c.clara_port = static_cast<std::uint8_t>(port);

  TableReader s(duet.sub("sampler"), "[duet.sampler] ", file);
  const std::string policy = s.get<std::string>("policy");
  bool known = false;
  for (SamplingPolicy p : {SamplingPolicy::kSeed, SamplingPolicy::kTemperature, SamplingPolicy::kTopK,
                           SamplingPolicy::kTopP})
    if (policy_name(p) == policy) {
      c.sampler.policy = p;
      known = true;
    }
  if (!known) s.fail(s.node("policy"), "policy '" + policy + "' is not seed, temperature, top-k or top-p");
  c.sampler.temperature = s.get<double>("temperature");
  c.sampler.top_k = s.get_int("top_k");
  c.sampler.top_p = s.get<double>("top_p");
  c.sampler.random_freq = s.get<double>("random_freq");
  const std::string seed = s.get<std::string>("seed");
  auto [ptr, ec] = std::from_chars(seed.data(), seed.data() + seed.size(), c.sampler.seed);
  if (ec != std::errc() || ptr != seed.data() + seed.size() || seed.empty())
    s.fail(s.node("seed"), "seed '" + seed + "' is not an unsigned 64-bit number");
  s.finish();

  TableReader g(duet.sub("grammar"), "[duet.grammar] ", file);
  c.grammar.forbid_unmatched_end = g.get<bool>("forbid_unmatched_end");
  c.grammar.forbid_double_onset = g.get<bool>("forbid_double_onset");
  c.grammar.max_note_steps = g.get_int("max_note_steps");
  c.grammar.max_polyphony = g.get_int("max_polyphony");
  c.grammar.forbid_unk_pad = g.get<bool>("forbid_unk_pad");
  g.finish();
  duet.finish();
  return c;
}

// Splits a line on single spaces; empty fields (double spaces) make the line malformed.
std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t sp = line.find(' ', start);
    out.push_back(line.substr(start, sp == std::string_view::npos ? std::string_view::npos : sp - start));
    if (sp == std::string_view::npos) break;
    start = sp + 1;
  }
  return out;
}

template <typename T>
bool parse_number(std::string_view s, T& v) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

void write_session_log(const std::filesystem::path& path, const SessionLog& log) {
  std::ostringstream text;
  toml::table header{
      {"format_version", log.format_version},
      {"model_name", log.model_name},
      {"model_sha256", log.model_sha256},
      {"origin_ns", log.origin_ns},
      {"committed_tokens", static_cast<std::int64_t>(log.committed_tokens)},
      {"encoding", to_toml(log.spec)},
      {"duet", config_table(log.config)},
  };
  text << "# clara session replay log\n" << header << "\n" << kInputsMarker << "\n";
  for (const DuetInput& in : log.inputs) {
    text << "step " << in.step << ' ';
    switch (in.kind) {
      case DuetInput::Kind::human:
        text << "human " << int(in.msg.status) << ' ' << int(in.msg.data1) << ' ' << int(in.msg.data2);
        if (in.heard != in.step) text << " heard " << in.heard;
        break;
      case DuetInput::Kind::mode: text << "mode " << to_string(in.mode); break;
      case DuetInput::Kind::tempo: text << "tempo " << format_double(in.bpm); break;
      case DuetInput::Kind::stop: text << "stop"; break;
    }
    text << '\n';
  }
  text << "end " << log.end_step << '\n';
  std::ofstream f(path, std::ios::binary);
  f << text.str();
  f.close();
  if (!f) throw SessionLogError(path.string() + ": cannot write the session log");
}

SessionLog read_session_log(const std::filesystem::path& path) {
  const std::string file = path.string();
  std::ifstream f(path, std::ios::binary);
  if (!f) throw SessionLogError(file + ": cannot open the session log");
  std::string header_text, line;
  std::size_t line_no = 0;
  bool marker = false;
  while (std::getline(f, line)) {
    ++line_no;
    if (line == kInputsMarker) {
      marker = true;
      break;
    }
    header_text += line;
    header_text += '\n';
  }
  if (!marker) throw SessionLogError(file + ": no '" + std::string(kInputsMarker) + "' line: not a session log");

  SessionLog log;
  toml::table header;
  try {
    header = toml::parse(header_text, file);
  } catch (const toml::parse_error& e) {
    throw SessionLogError(file + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  TableReader top(header, "", file);
  log.format_version = top.get_int("format_version");
  if (log.format_version != SessionLog::kFormatVersion)
    top.fail(top.node("format_version"), "format_version " + std::to_string(log.format_version) +
                                             " is not supported (this build reads " +
                                             std::to_string(SessionLog::kFormatVersion) + ")");
  log.model_name = top.get<std::string>("model_name");
  log.model_sha256 = top.get<std::string>("model_sha256");
  log.origin_ns = top.get<std::int64_t>("origin_ns");
  const std::int64_t count = top.get<std::int64_t>("committed_tokens");
  if (count < 0) top.fail(top.node("committed_tokens"), "committed_tokens is negative");
  log.committed_tokens = static_cast<std::size_t>(count);
  const toml::table& enc = top.sub("encoding");
  try {
    log.spec = spec_from_toml(enc, file + ":" + std::to_string(enc.source().begin.line) + ": [encoding]");
  } catch (const EncodingError& e) {
    throw SessionLogError(e.what());
  }
  TableReader duet(top.sub("duet"), "[duet] ", file);
  log.config = read_config(duet, file);
  top.finish();
  try {
    log.config.validate(log.spec);
  } catch (const std::invalid_argument& e) {
    throw SessionLogError(file + ": [duet] " + e.what());
  }

  auto bad = [&](const std::string& what) -> SessionLogError {
    return SessionLogError(file + ":" + std::to_string(line_no) + ": " + what + " in '" + line + "'");
  };
  bool ended = false;
  std::int64_t last_step = INT64_MIN;
  while (std::getline(f, line)) {
    ++line_no;
    if (ended) throw bad("text after the end line");
    const auto w = fields(line);
    if (w[0] == "end") {
      if (w.size() != 2 || !parse_number(w[1], log.end_step)) throw bad("expected 'end <step>'");
      if (log.end_step < last_step) throw bad("the end step comes before the last input");
      ended = true;
      continue;
    }
    DuetInput in;
    if (w.size() < 3 || w[0] != "step" || !parse_number(w[1], in.step))
      throw bad("expected 'step <n> human|mode|tempo|stop ...' or 'end <step>'");
    if (in.step < 0) throw bad("negative step");
    if (in.step < last_step) throw bad("steps go back");
    if (w[2] == "human") {
      int b[3];
      in.heard = in.step;
      if ((w.size() != 6 && w.size() != 8) || !parse_number(w[3], b[0]) || !parse_number(w[4], b[1]) ||
          !parse_number(w[5], b[2]) || (w.size() == 8 && (w[6] != "heard" || !parse_number(w[7], in.heard))))
        throw bad("expected 'step <n> human <status> <data1> <data2> [heard <step>]'");
      if (in.heard < 0 || in.heard > in.step) throw bad("heard step outside 0..step");
      if (b[0] < 0x80 || b[0] > 0xEF || b[1] < 0 || b[1] > 127 || b[2] < 0 || b[2] > 127)
        throw bad("not a channel message (status 128..239, data 0..127)");
      in.kind = DuetInput::Kind::human;
      in.msg = {static_cast<std::uint8_t>(b[0]), static_cast<std::uint8_t>(b[1]), static_cast<std::uint8_t>(b[2])};
    } else if (w[2] == "mode") {
      if (w.size() != 4) throw bad("expected 'step <n> mode <name>'");
      try {
        in.mode = parse_duet_mode(w[3]);
      } catch (const std::invalid_argument& e) {
        throw bad(e.what());
      }
      in.kind = DuetInput::Kind::mode;
    } else if (w[2] == "tempo") {
      if (w.size() != 4 || !parse_number(w[3], in.bpm) || !(in.bpm >= 20.0 && in.bpm <= 400.0))
        throw bad("expected 'step <n> tempo <bpm>' with bpm within [20, 400]");
      in.kind = DuetInput::Kind::tempo;
    } else if (w[2] == "stop") {
      if (w.size() != 3) throw bad("expected 'step <n> stop'");
      in.kind = DuetInput::Kind::stop;
    } else {
      throw bad("unknown input '" + std::string(w[2]) + "'");
    }
    last_step = in.step;
    log.inputs.push_back(in);
  }
  if (!ended) throw SessionLogError(file + ":" + std::to_string(line_no) + ": no 'end <step>' line (truncated log?)");
  return log;
}

}  // namespace clara
