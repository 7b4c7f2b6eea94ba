#include "core/duet/session_log.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "core/encoding/encoding_spec_toml.hpp"
#include "core/midi/midi_file.hpp"

namespace clara {
namespace {

constexpr std::string_view kInputsMarker = "--- inputs ---";

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
       toml::table{{"policy", std::string(to_string(s.policy))},
                   {"temperature", s.temperature},
                   {"top_k", s.top_k},
                   {"top_p", s.top_p},
                   {"random_freq", s.random_freq},
                   {"key_keeping", s.key_keeping},
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
  const auto known = parse_sampling_policy(policy);
  if (!known) s.fail(s.node("policy"), "policy '" + policy + "' is not seed, temperature, top-k or top-p");
  c.sampler.policy = *known;
  c.sampler.temperature = s.get<double>("temperature");
  c.sampler.top_k = s.get_int("top_k");
  c.sampler.top_p = s.get<double>("top_p");
  c.sampler.random_freq = s.get<double>("random_freq");
  // Logs written before the key-keeping bias have no key_keeping: it was off.
  if (s.node("key_keeping")) {
    c.sampler.key_keeping = s.get<double>("key_keeping");
    if (!(c.sampler.key_keeping >= 0 && c.sampler.key_keeping <= SamplerConfig::kMaxKeyKeeping))
      s.fail(s.node("key_keeping"), "key_keeping " + format_double(c.sampler.key_keeping) + " is outside [0, " +
                                        format_double(SamplerConfig::kMaxKeyKeeping) + "]");
  }
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

std::int64_t max_session_steps(const EncodingSpec& spec) {
  return static_cast<std::int64_t>(kMaxMidiQuarters) * spec.sample_freq;
}

std::string session_log_header(const SessionLog& log) {
  std::ostringstream text;
  const toml::table header{
      {"format_version", SessionLog::kFormatVersion},
      {"model_name", log.model_name},
      {"model_sha256", log.model_sha256},
      {"origin_ns", log.origin_ns},
      {"precision", log.precision},
      {"encoding", to_toml(log.spec)},
      {"duet", config_table(log.config)},
  };
  text << "# clara session replay log\n" << header << "\n" << kInputsMarker << "\n";
  return text.str();
}

std::string session_log_line(const DuetInput& in) {
  std::ostringstream text;
  text << "step " << in.step << ' ';
  switch (in.kind) {
    case DuetInput::Kind::human:
      text << "human " << int(in.msg.status) << ' ' << int(in.msg.data1) << ' ' << int(in.msg.data2);
      if (in.heard != in.step) text << " heard " << in.heard;
      break;
    case DuetInput::Kind::mode: text << "mode " << to_string(in.mode); break;
    case DuetInput::Kind::tempo: text << "tempo " << format_double(in.bpm); break;
    case DuetInput::Kind::stop: text << "stop"; break;
    case DuetInput::Kind::sampler:
      text << "sampler " << to_string(in.sampler.policy) << ' ' << format_double(in.sampler.temperature) << ' '
           << in.sampler.top_k << ' ' << format_double(in.sampler.top_p) << ' '
           << format_double(in.sampler.random_freq) << ' ' << in.sampler.seed << ' '
           << format_double(in.sampler.key_keeping);
      break;
    case DuetInput::Kind::velocity: text << "velocity " << in.velocity; break;
    case DuetInput::Kind::instruments: text << "instruments " << in.human_prefix << ' ' << in.clara_prefix; break;
    case DuetInput::Kind::reset: text << "reset"; break;
    case DuetInput::Kind::phrasing:
      text << "phrasing " << in.phrasing.answer_bars << ' ' << format_double(in.phrasing.answer_silence_beats) << ' '
           << in.phrasing.beats_per_bar;
      break;
    case DuetInput::Kind::model: text << "model " << in.model_name << ' ' << in.model_sha256; break;
    case DuetInput::Kind::choice:
      text << "choice " << in.phrase_start << ' ' << in.phrase_end << ' ' << in.candidate << ' '
           << format_double(in.human_p);
      break;
  }
  text << '\n';
  return text.str();
}

std::string session_log_checkpoint(std::int64_t step, std::size_t committed_tokens) {
  return "at " + std::to_string(step) + " tokens " + std::to_string(committed_tokens) + "\n";
}

std::string session_log_end(std::int64_t step, std::size_t committed_tokens) {
  return "end " + std::to_string(step) + " tokens " + std::to_string(committed_tokens) + "\n";
}

void write_session_log(const std::filesystem::path& path, const SessionLog& log) {
  std::string text = session_log_header(log);
  for (const DuetInput& in : log.inputs) text += session_log_line(in);
  text += session_log_end(log.end_step, log.committed_tokens);
  std::ofstream f(path, std::ios::binary);
  f << text;
  f.close();
  if (!f) throw SessionLogError(path.string() + ": cannot write the session log");
}

namespace {

// One line of the file: its text without the newline, whether the newline was there.
struct Line {
  std::string_view text;
  bool whole;
};

std::vector<Line> split_lines(std::string_view all) {
  std::vector<Line> lines;
  std::size_t start = 0;
  while (start < all.size()) {
    const std::size_t nl = all.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.push_back({all.substr(start), false});
      break;
    }
    lines.push_back({all.substr(start, nl - start), true});
    start = nl + 1;
  }
  return lines;
}

std::string range_text(std::int64_t lo, std::int64_t hi) { return std::to_string(lo) + ".." + std::to_string(hi); }

}  // namespace

SessionLog read_session_log(const std::filesystem::path& path) {
  const std::string file = path.string();
  std::ifstream f(path, std::ios::binary);
  if (!f) throw SessionLogError(file + ": cannot open the session log");
  const std::string all{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  if (f.bad()) throw SessionLogError(file + ": cannot read the session log");
  std::vector<Line> lines = split_lines(all);
  SessionLog log;
  // The daemon appends whole lines, so a last line without its newline is what a crash or a
  // full disk cut short: whatever it reads as, it is not what was meant.
  if (!lines.empty() && !lines.back().whole) {
    log.notes.push_back(file + ":" + std::to_string(lines.size()) + ": the last line is incomplete (the log was cut at byte " +
                        std::to_string(all.size()) + "); it is ignored");
    lines.pop_back();
  }

  std::string header_text;
  std::size_t line_no = 0;
  bool marker = false;
  while (line_no < lines.size()) {
    const std::string_view text = lines[line_no++].text;
    if (text == kInputsMarker) {
      marker = true;
      break;
    }
    header_text += text;
    header_text += '\n';
  }
  if (!marker)
    throw SessionLogError(file + ":" + std::to_string(line_no) + ": no '" + std::string(kInputsMarker) +
                          "' line: not a session log, or one cut short in its header");

  toml::table header;
  try {
    header = toml::parse(header_text, file);
  } catch (const toml::parse_error& e) {
    throw SessionLogError(file + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  TableReader top(header, "", file);
  log.format_version = top.get_int("format_version");
  if (log.format_version != 1 && log.format_version != SessionLog::kFormatVersion)
    top.fail(top.node("format_version"), "format_version " + std::to_string(log.format_version) +
                                             " is not supported (this build reads 1 and " +
                                             std::to_string(SessionLog::kFormatVersion) + ")");
  const bool v1 = log.format_version == 1;
  log.model_name = top.get<std::string>("model_name");
  log.model_sha256 = top.get<std::string>("model_sha256");
  log.origin_ns = top.get<std::int64_t>("origin_ns");
  if (log.origin_ns < 0 || log.origin_ns > kMaxOriginNs)
    top.fail(top.node("origin_ns"), "origin_ns " + std::to_string(log.origin_ns) + " is outside " +
                                        range_text(0, kMaxOriginNs));
  if (top.node("precision")) {
    log.precision = top.get<std::string>("precision");
    if (log.precision != "fp32" && log.precision != "int8")
      top.fail(top.node("precision"), "precision '" + log.precision + "' is not fp32 or int8");
  }
  if (v1) {
    const std::int64_t count = top.get<std::int64_t>("committed_tokens");
    if (count < 0) top.fail(top.node("committed_tokens"), "committed_tokens " + std::to_string(count) +
                                                              " is outside " + range_text(0, INT64_MAX));
    log.committed_tokens = static_cast<std::size_t>(count);
  }
  const toml::table& enc = top.sub("encoding");
  try {
    log.spec = spec_from_toml(enc, file + ":" + std::to_string(enc.source().begin.line) + ": [encoding]");
  } catch (const EncodingError& e) {
    throw SessionLogError(e.what());
  }
  const std::int64_t max_steps = max_session_steps(log.spec);
  const std::string steps_meaning = " (the longest session session.mid can hold, at " +
                                    std::to_string(log.spec.sample_freq) + " steps a quarter)";
  TableReader duet(top.sub("duet"), "[duet] ", file);
  log.config = read_config(duet, file);
  top.finish();
  for (const auto& [key, value] : {std::pair{"lookahead_steps", log.config.lookahead_steps},
                                   std::pair{"commit_steps", log.config.commit_steps}})
    if (value < 0 || value > max_steps)
      duet.fail(duet.node(key), std::string(key) + " " + std::to_string(value) + " is outside " +
                                    range_text(0, max_steps) + steps_meaning);
  try {
    log.config.validate(log.spec);
  } catch (const std::invalid_argument& e) {
    throw SessionLogError(file + ": [duet] " + e.what());
  }

  std::string_view line;
  auto bad = [&](const std::string& what) -> SessionLogError {
    return SessionLogError(file + ":" + std::to_string(line_no) + ": " + what + " in '" + std::string(line) + "'");
  };
  // A decimal integer field within [lo, hi]; one that is not a number at all is `syntax`.
  auto integer = [&](std::string_view text, std::int64_t lo, std::int64_t hi, const std::string& what,
                     const std::string& syntax, const std::string& meaning = {}) -> std::int64_t {
    std::int64_t v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ptr != text.data() + text.size() || (ec != std::errc() && ec != std::errc::result_out_of_range))
      throw bad(syntax);
    if (ec == std::errc::result_out_of_range || v < lo || v > hi)
      throw bad(what + " " + std::string(text) + " is outside " + range_text(lo, hi) + meaning);
    return v;
  };
  const std::string end_syntax = v1 ? "expected 'end <step>'" : "expected 'end <step> tokens <n>'";
  const std::string at_syntax = "expected 'at <step> tokens <n>'";
  const std::string step_syntax = "expected 'step <n> human|mode|tempo|stop ...', 'at <step> tokens <n>' or 'end <step>'";
  const std::string human_syntax = "expected 'step <n> human <status> <data1> <data2> [heard <step>]'";

  bool ended = false;
  std::int64_t last_step = 0;
  std::int64_t last_tokens = 0;
  // The last checkpoint: where a log without an end line can be replayed to.
  struct Checkpoint {
    std::int64_t step, tokens;
    std::size_t inputs, line;
  };
  std::optional<Checkpoint> checkpoint;
  while (line_no < lines.size()) {
    line = lines[line_no++].text;
    if (ended) throw bad("text after the end line");
    const auto w = fields(line);
    if (w[0] == "end" || (w[0] == "at" && !v1)) {
      const bool end = w[0] == "end";
      const std::string& syntax = end ? end_syntax : at_syntax;
      if (w.size() != (v1 ? 2u : 4u) || (!v1 && w[2] != "tokens")) throw bad(syntax);
      const std::int64_t step = integer(w[1], 0, max_steps, "step", syntax, steps_meaning);
      if (step < last_step) throw bad(std::string(end ? "the end" : "the checkpoint") + " step comes before the last input");
      if (!v1) {
        const std::int64_t tokens = integer(w[3], 0, INT64_MAX, "token count", syntax);
        // The committed stream only grows.
        if (tokens < last_tokens) throw bad("the token count goes back (from " + std::to_string(last_tokens) + ")");
        last_tokens = tokens;
        log.committed_tokens = static_cast<std::size_t>(tokens);
      }
      last_step = step;
      if (end) {
        log.end_step = step;
        ended = true;
      } else {
        checkpoint = Checkpoint{step, last_tokens, log.inputs.size(), line_no};
      }
      continue;
    }
    DuetInput in;
    if (w.size() < 3 || w[0] != "step") throw bad(step_syntax);
    in.step = integer(w[1], 0, max_steps, "step", step_syntax, steps_meaning);
    if (in.step < last_step) throw bad("steps go back");
    if (w[2] == "human") {
      if (w.size() != 6 && w.size() != 8) throw bad(human_syntax);
      const int status = static_cast<int>(integer(w[3], 0x80, 0xEF, "status", human_syntax, " (a channel message)"));
      const int data1 = static_cast<int>(integer(w[4], 0, 127, "data1", human_syntax));
      const int data2 = static_cast<int>(integer(w[5], 0, 127, "data2", human_syntax));
      in.heard = in.step;
      if (w.size() == 8) {
        if (w[6] != "heard") throw bad(human_syntax);
        in.heard = integer(w[7], 0, in.step, "heard step", human_syntax, " (0..the step it was taken at)");
      }
      in.kind = DuetInput::Kind::human;
      in.msg = {static_cast<std::uint8_t>(status), static_cast<std::uint8_t>(data1), static_cast<std::uint8_t>(data2)};
    } else if (w[2] == "mode") {
      if (w.size() != 4) throw bad("expected 'step <n> mode <name>'");
      try {
        in.mode = parse_duet_mode(w[3]);
      } catch (const std::invalid_argument& e) {
        throw bad(e.what());
      }
      in.kind = DuetInput::Kind::mode;
    } else if (w[2] == "tempo") {
      if (w.size() != 4 || !parse_number(w[3], in.bpm)) throw bad("expected 'step <n> tempo <bpm>'");
      if (!(in.bpm >= 20.0 && in.bpm <= 400.0)) throw bad("tempo " + std::string(w[3]) + " is outside [20, 400] bpm");
      in.kind = DuetInput::Kind::tempo;
    } else if (w[2] == "stop") {
      if (w.size() != 3) throw bad("expected 'step <n> stop'");
      in.kind = DuetInput::Kind::stop;
    } else if (w[2] == "sampler") {
      // <key_keeping> is optional: logs written before the key-keeping bias lack it (it was off).
      const auto policy = w.size() == 9 || w.size() == 10 ? parse_sampling_policy(w[3]) : std::nullopt;
      if (!policy || !parse_number(w[4], in.sampler.temperature) || !parse_number(w[5], in.sampler.top_k) ||
          !parse_number(w[6], in.sampler.top_p) || !parse_number(w[7], in.sampler.random_freq) ||
          !parse_number(w[8], in.sampler.seed) || (w.size() == 10 && !parse_number(w[9], in.sampler.key_keeping)))
        throw bad(
            "expected 'step <n> sampler <policy> <temperature> <top_k> <top_p> <random_freq> <seed> "
            "[<key_keeping>]'");
      in.sampler.policy = *policy;
      try {
        in.sampler.validate();
      } catch (const std::invalid_argument& e) {
        throw bad(e.what());
      }
      in.kind = DuetInput::Kind::sampler;
    } else if (w[2] == "velocity") {
      if (w.size() != 4 || !parse_number(w[3], in.velocity) || in.velocity < 0 || in.velocity > 127)
        throw bad("expected 'step <n> velocity <0..127>'");
      in.kind = DuetInput::Kind::velocity;
    } else if (w[2] == "instruments") {
      if (w.size() != 5 || log.spec.parts.find_prefix(std::string(w[3])) < 0 ||
          log.spec.parts.find_prefix(std::string(w[4])) < 0)
        throw bad("expected 'step <n> instruments <human> <clara>' with parts of the encoding's part table");
      in.human_prefix = std::string(w[3]);
      in.clara_prefix = std::string(w[4]);
      in.kind = DuetInput::Kind::instruments;
    } else if (w[2] == "reset") {
      if (w.size() != 3) throw bad("expected 'step <n> reset'");
      in.kind = DuetInput::Kind::reset;
    } else if (w[2] == "phrasing") {
      if (w.size() != 6 || !parse_number(w[3], in.phrasing.answer_bars) ||
          !parse_number(w[4], in.phrasing.answer_silence_beats) || !parse_number(w[5], in.phrasing.beats_per_bar))
        throw bad("expected 'step <n> phrasing <answer_bars> <silence_beats> <beats_per_bar>'");
      try {
        in.phrasing.validate();
      } catch (const std::invalid_argument& e) {
        throw bad(e.what());
      }
      in.kind = DuetInput::Kind::phrasing;
    } else if (w[2] == "model") {
      // A hot model swap: the model's folder name (never a path) and its weights' sha256.
      const auto name_ok = [](std::string_view n) {
        return !n.empty() && n.size() <= 64 && std::all_of(n.begin(), n.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
        });
      };
      const auto sha_ok = [](std::string_view h) {
        return h.size() == 64 && std::all_of(h.begin(), h.end(), [](char c) {
          return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        });
      };
      if (w.size() != 5 || !name_ok(w[3]) || !sha_ok(w[4]))
        throw bad("expected 'step <n> model <name> <sha256>' (a name of 1-64 letters, digits, '-' or '_'; 64 "
                  "lowercase hex digits)");
      in.model_name = std::string(w[3]);
      in.model_sha256 = std::string(w[4]);
      in.kind = DuetInput::Kind::model;
    } else if (w[2] == "choice") {
      // Solo ranking: the phrase [start, end) is candidate <c>, judged human with probability <p>.
      const std::string choice_syntax =
          "expected 'step <n> choice <phrase start> <phrase end> <candidate 0..63> <P(human) 0..1>'";
      if (w.size() != 7) throw bad(choice_syntax);
      in.phrase_start = integer(w[3], in.step, max_steps, "phrase start", choice_syntax, " (the step..the session's end)");
      in.phrase_end = integer(w[4], in.phrase_start + 1, max_steps, "phrase end", choice_syntax, " (after its start)");
      in.candidate = static_cast<int>(integer(w[5], 0, DuetEngine::kMaxCandidates - 1, "candidate", choice_syntax));
      if (!parse_number(w[6], in.human_p) || !(in.human_p >= 0.0 && in.human_p <= 1.0)) throw bad(choice_syntax);
      in.kind = DuetInput::Kind::choice;
    } else {
      throw bad("unknown input '" + std::string(w[2]) + "'");
    }
    last_step = in.step;
    log.inputs.push_back(in);
  }
  if (ended) return log;
  const std::string where = file + ":" + std::to_string(line_no) + ": ";
  if (v1) throw SessionLogError(where + "no 'end <step>' line (truncated log?)");
  if (!checkpoint)
    throw SessionLogError(where + "the log ends before its first checkpoint ('at <step> tokens <n>') and has no "
                                  "'end' line: nothing to replay (the session was cut short in its first seconds)");
  // The session did not stop cleanly (a crash, power loss): replay what the log vouches for.
  std::string note = where + "no 'end' line (the session did not stop cleanly): replaying up to the last checkpoint, step " +
                     std::to_string(checkpoint->step) + " (line " + std::to_string(checkpoint->line) + ")";
  if (const std::size_t after = log.inputs.size() - checkpoint->inputs; after > 0)
    note += "; the " + std::to_string(after) + " input(s) after it are left out";
  log.notes.push_back(note);
  log.inputs.resize(checkpoint->inputs);
  log.end_step = checkpoint->step;
  log.committed_tokens = static_cast<std::size_t>(checkpoint->tokens);
  log.complete = false;
  return log;
}

}  // namespace clara
