// clara replay: regenerate Clara's part of a clarad session from its replay log.
// The engine commits a pure function of the model, the settings and the inputs
// with their grid steps, so the same model gives the same tokens, token for token.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include "core/midi/midi_file.hpp"
#include "core/model/inference/lstm_token_model.hpp"
#include "core/model/files/model_files.hpp"
#include "core/model/files/model_search.hpp"
#include "core/duet/session_log.hpp"
#include "core/duet/session_replay.hpp"
#include "core/hash/sha256.hpp"
#include "tools/clara/cli.hpp"
#include "tools/clara/model_access.hpp"
#include "tools/clara/token_io.hpp"

namespace clara::cli {
namespace fs = std::filesystem;
namespace {

// Grid step of a due time, through the log's tempo changes (all messages fall on steps).
struct Grid {
  struct Segment { std::int64_t step; double time_ns; double bpm; };
  std::vector<Segment> segments;
  int sf = 12;
  Grid(const SessionLog& log) : sf(log.spec.sample_freq) {
    segments.push_back({0, static_cast<double>(log.origin_ns), log.config.bpm});
    for (const auto& in : log.inputs)
      if (in.kind == DuetInput::Kind::tempo) {
        const Segment& b = segments.back();
        segments.push_back({in.step, b.time_ns + static_cast<double>(in.step - b.step) * step_ns(b.bpm), in.bpm});
      }
  }
  double step_ns(double bpm) const { return 60e9 / (bpm * sf); }
  double quarters(std::int64_t t) const {
    const Segment* s = &segments.front();
    for (const auto& g : segments)
      if (static_cast<double>(t) >= g.time_ns) s = &g;
    return (static_cast<double>(s->step) + (static_cast<double>(t) - s->time_ns) / step_ns(s->bpm)) / sf;
  }
};

// The models a session switched to (hot model swaps), loaded by folder name (never a path) from
// models/ under the working directory, $CLARA_DATA_DIR and the folder holding the session's first
// model, and checked against the log's sha256 of their weights.
class SwapModels {
 public:
  SwapModels(const fs::path& log_path, const EncodingSpec& spec, const fs::path& first_model,
             model::Precision precision)
      : log_path_(log_path), spec_(spec), precision_(precision) {
    roots_.push_back(fs::current_path());
    if (const char* d = std::getenv("CLARA_DATA_DIR"); d && *d) roots_.emplace_back(d);
    const fs::path models = fs::absolute(first_model).lexically_normal().parent_path();
    if (models.filename() == "models") roots_.push_back(models.parent_path());
  }
  TokenModel& operator()(const std::string& name, const std::string& sha256) {
    const std::string key = name + " " + sha256;
    if (auto it = loaded_.find(key); it != loaded_.end()) return *it->second.lm;
    fs::path dir;
    for (const auto& root : roots_)
      if (std::error_code ec; fs::is_directory(root / "models" / name, ec)) {
        dir = root / "models" / name;
        break;
      }
    if (dir.empty())
      throw SessionLogError(log_path_.string() + ": the session switched to model '" + name +
                            "', which no models folder holds (looked under models/ in the working directory, "
                            "$CLARA_DATA_DIR and beside the session's first model)");
    const std::string actual = sha256_file(dir / "weights.pt");
    if (actual != sha256)
      throw SessionLogError(log_path_.string() + ": the session switched to model '" + name + "' with weights sha256 " +
                            sha256 + ", but " + (dir / "weights.pt").string() + " has " + actual);
    Entry e;
    try {
      e.loaded = std::make_unique<model::LoadedModel>(model::load_model_folder(dir));
    } catch (const model::ModelFileError& err) {
      throw SessionLogError(err.what());
    }
    if (!(spec_of(e.loaded->card) == spec_))
      throw SessionLogError(log_path_.string() + ": model '" + name + "' (" + (dir / "model.toml").string() +
                            ") has another encoding than the session's");
    e.lm = std::make_unique<model::LstmTokenModel>(*e.loaded->model, precision_);
    return *loaded_.emplace(key, std::move(e)).first->second.lm;
  }

 private:
  struct Entry {
    std::unique_ptr<model::LoadedModel> loaded;
    std::unique_ptr<model::LstmTokenModel> lm;
  };
  fs::path log_path_;
  EncodingSpec spec_;
  model::Precision precision_;
  std::vector<fs::path> roots_;
  std::map<std::string, Entry> loaded_;
};

Score clara_part(const SessionLog& log, const std::vector<TimedMessage>& out, std::int64_t end_ns) {
  Grid grid(log);
  Part part;
  part.name = "Clara " + log.config.clara_prefix;
  part.channel = log.config.clara_channel;
  std::map<int, std::vector<std::pair<std::int64_t, int>>> open;
  for (const auto& m : out) {
    if (m.msg.is_note_on()) {
      open[m.msg.data1].emplace_back(m.time_ns, m.msg.data2);
    } else if (m.msg.is_note_off() && !open[m.msg.data1].empty()) {
      auto [on, vel] = open[m.msg.data1].front();
      open[m.msg.data1].erase(open[m.msg.data1].begin());
      part.notes.push_back(Note{m.msg.data1, grid.quarters(on), grid.quarters(m.time_ns), vel});
    }
  }
  for (auto& [key, ons] : open)
    for (auto [on, vel] : ons) part.notes.push_back(Note{key, grid.quarters(on), grid.quarters(std::max(on, end_ns)), vel});
  std::sort(part.notes.begin(), part.notes.end(),
            [](const Note& a, const Note& b) { return a.start != b.start ? a.start < b.start : a.pitch < b.pitch; });
  Score score;
  part.track = 1;
  score.parts.push_back(part);
  score.tempo_map.clear();
  for (const auto& s : grid.segments) score.tempo_map.push_back(TempoChange{static_cast<double>(s.step) / grid.sf, s.bpm});
  return score;
}

int run(const Args& args) {
  const fs::path log_path = args.positional().at(0);
  if (!fs::exists(log_path)) throw NoInputError(log_path.string() + ": no such file");
  SessionLog log;
  try {
    log = read_session_log(log_path);
  } catch (const SessionLogError& e) {
    throw DataError(e.what());
  }
  const fs::path dir = resolve_model_dir(args.get_or("--model", log.model_name));
  const std::string sha = sha256_file(dir / "weights.pt");
  if (sha != log.model_sha256)
    throw DataError(log_path.string() + ": the session was played with weights sha256 " + log.model_sha256 +
                    ", but " + (dir / "weights.pt").string() + " has " + sha + " (give the session's model with --model)");
  model::LoadedModel loaded;
  try {
    loaded = model::load_model_folder(dir);
  } catch (const model::ModelFileError& e) {
    throw DataError(e.what());
  }
  const EncodingSpec spec = spec_of(loaded.card);
  // The session's arithmetic (int8 where clarad chose it): int8's kernels give the same bits on
  // every CPU (AVX-512 VNNI, AVX2 and scalar alike), so the tokens come back on any machine.
  const model::Precision precision = model::parse_precision(log.precision).value_or(model::Precision::fp32);
  model::LstmTokenModel lm(*loaded.model, precision);
  std::vector<TimedMessage> out;
  std::vector<int> tokens;
  try {
    SwapModels swaps(log_path, spec, dir, precision);
    tokens = replay_session(log, lm, loaded.vocab, spec, &out, std::ref(swaps));
  } catch (const std::exception& e) {
    throw DataError(std::string("replay: ") + e.what());
  }
  std::string line;
  for (std::size_t i = 0; i < tokens.size(); ++i) line += (i ? " " : "") + loaded.vocab.token(tokens[i]);
  std::size_t notes = 0;
  for (const auto& m : out) notes += m.msg.is_note_on();
  std::cout << "replayed " << log_path.string() << ": " << tokens.size() << " tokens (the session committed "
            << log.committed_tokens << "), " << notes << " notes by Clara, " << log.inputs.size() << " inputs, at "
            << log.precision << "\n";

  if (auto p = args.get("--tokens")) {
    std::ofstream f(*p);
    f << line << "\n";
    if (!f) throw DataError(*p + ": cannot write");
  }
  if (auto p = args.get("--out")) {
    const std::int64_t end_ns = out.empty() ? log.origin_ns : out.back().time_ns;
    write_midi_file(*p, clara_part(log, out, end_ns));
    std::cout << "wrote " << *p << "\n";
  }
  if (auto p = args.get("--check")) {
    std::ifstream f(*p);
    if (!f) throw NoInputError(*p + ": cannot read");
    std::string expected;
    std::getline(f, expected);
    if (expected != line) {
      std::size_t i = 0;
      while (i < expected.size() && i < line.size() && expected[i] == line[i]) ++i;
      std::cerr << "clara replay: differs from " << *p << " at character " << i << "\n";
      return 65;
    }
    std::cout << "identical to " << *p << "\n";
  }
  if (tokens.size() != log.committed_tokens) {
    std::cerr << "clara replay: " << tokens.size() << " tokens, but the session committed " << log.committed_tokens << "\n";
    return 65;
  }
  return 0;
}

OptionSpec options() {
  return OptionSpec{}
      .positional("LOG", "a session's replay.log", 1, 1)
      .valued("--model", "NAME|PATH", "the model (default: the name in the log); its weights must match the log's sha256")
      .valued("--tokens", "FILE", "write the replayed token stream (one line, as tokens.txt)")
      .valued("--out", "FILE.mid", "write Clara's part as MIDI")
      .valued("--check", "FILE", "compare with a session's tokens.txt: exit 0 when identical, 65 otherwise");
}

}  // namespace

extern const Command replay_command{
    "replay", "regenerate Clara's part of a clarad session from its replay log",
    "LOG is a session's replay.log (clarad writes it with session.mid and tokens.txt). The log holds\n"
    "the model's sha256, the seed, every setting and every input with the grid step it took effect\n"
    "at; replaying it with the same model gives the same tokens, token for token.\n",
    options(), run};

}  // namespace clara::cli
