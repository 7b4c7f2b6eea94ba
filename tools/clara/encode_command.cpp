// clara encode: MIDI -> Clara's text encodings. A single file prints its tokens;
// a corpus folder becomes train/valid/test token files, a vocabulary and a
// manifest. Files that cannot be read are reported by name and skipped.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include <toml++/toml.h>

#include "core/encoding/chordwise_codec.hpp"
#include "core/encoding/codec.hpp"
#include "core/encoding/encoding_spec_toml.hpp"
#include "core/midi/midi_file.hpp"
#include "core/encoding/notewise_codec.hpp"
#include "core/encoding/part_table.hpp"
#include "core/hash/sha256.hpp"
#include "core/encoding/split.hpp"
#include "tools/clara/cli.hpp"
#include "tools/clara/corpus_sources.hpp"
#include "tools/clara/progress.hpp"
#include "tools/clara/spec_options.hpp"
#include "tools/clara/token_io.hpp"

namespace clara::cli {
namespace fs = std::filesystem;

namespace {

std::vector<std::uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw NoInputError(path.string() + ": cannot open");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct FileResult {
  fs::path relative;
  std::string composer;
  Split split = Split::train;
  std::string sha256;
  std::string error;           // non-empty: skipped
  // Every piece is encoded in all of train's keys, since its split is known only once every
  // file has been read (split_corpus needs the set of readable pieces); choose_split() then
  // keeps the keys its split writes.
  std::vector<int> shifts;
  std::vector<std::string> lines;  // one per shift
  std::vector<std::size_t> line_tokens, line_dropped;
  std::size_t tokens = 0;
  EncodeCounts counts;
  // How the part table placed the score's parts (classifying tables only), for the manifest.
  std::optional<PartAssignment> assignment;
  std::vector<Part> part_info;  // name, program, channel, track of each part; no notes
};

void encode_one(const fs::path& root, FileResult& r, const EncodingSpec& spec) {
  try {
    auto bytes = read_bytes(root / r.relative);
    r.sha256 = sha256_hex(bytes);
    Score score;
    try {
      score = read_midi(bytes);
    } catch (const MidiFileError& e) {
      throw MidiFileError(r.relative.generic_string(), e);
    }
    if (spec.parts.classify) {
      r.assignment = spec.parts.explain(score);
      for (const Part& p : score.parts) r.part_info.push_back({p.name, p.program, p.channel, p.track, {}});
    }
    GridPiece grid = quantise(score, spec, r.counts);
    for (int shift : transpositions_for(Split::train)) {
      std::size_t dropped = 0;
      GridPiece moved = shift == 0 ? grid : transpose(grid, shift, spec.range.size, dropped);
      auto tokens = encode(moved, spec);
      r.shifts.push_back(shift);
      r.line_tokens.push_back(tokens.size());
      r.line_dropped.push_back(dropped);
      r.lines.push_back(join_tokens(tokens));
    }
  } catch (const MidiFileError& e) {
    r.error = e.what();
  } catch (const std::exception& e) {
    r.error = r.relative.generic_string() + ": " + e.what();
  }
}

// Keeps the keys `split` writes, and counts only their tokens and transposition drops.
void choose_split(FileResult& r, Split split) {
  r.split = split;
  const std::vector<int> keep = transpositions_for(split);
  std::vector<std::string> lines;
  for (std::size_t k = 0; k < r.shifts.size(); ++k) {
    if (std::find(keep.begin(), keep.end(), r.shifts[k]) == keep.end()) continue;
    r.tokens += r.line_tokens[k];
    r.counts.dropped += r.line_dropped[k];
    lines.push_back(std::move(r.lines[k]));
  }
  r.lines = std::move(lines);
}

std::vector<fs::path> find_midi_files(const fs::path& root) {
  std::vector<fs::path> out;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::follow_directory_symlink);
       it != fs::recursive_directory_iterator(); ++it) {
    if (!it->is_regular_file()) continue;
    auto ext = it->path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
    if (ext == ".mid" || ext == ".midi") out.push_back(fs::relative(it->path(), root));
  }
  std::sort(out.begin(), out.end());
  return out;
}

void add_counts(EncodeCounts& a, const EncodeCounts& b) {
  a.notes_in += b.notes_in;
  a.folded += b.folded;
  a.raised += b.raised;
  a.zero_length += b.zero_length;
  a.merged += b.merged;
  a.dropped += b.dropped;
}

toml::table counts_table(const EncodeCounts& c) {
  return toml::table{{"notes_in", static_cast<std::int64_t>(c.notes_in)},
                     {"folded_into_range", static_cast<std::int64_t>(c.folded)},
                     {"raised_to_part_floor", static_cast<std::int64_t>(c.raised)},
                     {"zero_length", static_cast<std::int64_t>(c.zero_length)},
                     {"merged_same_pitch", static_cast<std::int64_t>(c.merged)},
                     {"dropped_by_transposition", static_cast<std::int64_t>(c.dropped)}};
}

double rounded(double x) { return std::round(x * 100) / 100; }

toml::table content_table(const SoloDecision& d) {
  toml::array figures;
  for (const PartFigures& f : d.figures)
    figures.push_back(toml::table{{"part", static_cast<std::int64_t>(f.part)},
                                  {"notes", static_cast<std::int64_t>(f.notes)},
                                  {"lowest", f.lowest},
                                  {"highest", f.highest},
                                  {"mean_pitch", rounded(f.mean_pitch)},
                                  {"polyphony", rounded(f.polyphony)},
                                  {"onsets_per_quarter", rounded(f.onsets_per_quarter)},
                                  {"may_be_solo", f.may_be_solo}});
  return toml::table{{"solo", d.solo}, {"decision", d.reason}, {"figures", figures}};
}

// Which track became which part and why (name, program or content).
toml::array parts_array(const FileResult& r, const PartTable& table) {
  toml::array rows;
  const PartAssignment& a = *r.assignment;
  for (std::size_t i = 0; i < r.part_info.size(); ++i) {
    if (a.entry[i] < 0) continue;
    const Part& p = r.part_info[i];
    rows.push_back(toml::table{{"part", static_cast<std::int64_t>(i)},
                               {"track", p.track},
                               {"channel", p.channel},
                               {"name", p.name},
                               {"program", p.program},
                               {"to", table.entries[static_cast<std::size_t>(a.entry[i])].prefix},
                               {"by", std::string(to_string(a.basis[i]))}});
  }
  return rows;
}

int encode_corpus(const Args& args) {
  fs::path root = args.require("--corpus");
  fs::path out = args.require("--out");
  if (!fs::is_directory(root)) throw NoInputError(root.string() + ": not a folder");
  EncodingSpec spec = spec_from_args(args);
  SplitOptions split;
  split.seed = static_cast<std::uint64_t>(args.get_int("--seed", 0, 0, std::numeric_limits<long>::max()));
  split.valid = args.get_double("--valid", split.valid, 0, 1);
  split.test = args.get_double("--test", split.test, 0, 1);
  try {
    split.validate();
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  unsigned threads = static_cast<unsigned>(
      args.get_int("--threads", std::max(1u, std::thread::hardware_concurrency()), 1, 256));

  auto files = find_midi_files(root);
  if (files.empty()) throw NoInputError(root.string() + ": no .mid files found");
  std::vector<FileResult> results(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    results[i].relative = files[i];
    auto parent = files[i].parent_path();
    results[i].composer = parent.empty() ? "" : parent.filename().string();
  }

  Progress progress("encode", files.size(), "files");
  std::atomic<std::size_t> next{0}, done{0};
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (std::size_t i; (i = next.fetch_add(1)) < results.size();) {
        encode_one(root, results[i], spec);
        done.fetch_add(1);
      }
    });
  for (std::size_t shown = 0; shown < results.size();) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::size_t now = done.load();
    if (now > shown) progress.advance(now - shown);
    shown = now;
  }
  for (auto& th : pool) th.join();
  progress.finish();

  std::vector<std::string> readable;
  for (const auto& r : results)
    if (r.error.empty()) readable.push_back(r.relative.generic_string());
  const CorpusSplit assigned = split_corpus(readable, split);
  for (std::size_t i = 0, k = 0; i < results.size(); ++i)
    if (results[i].error.empty()) choose_split(results[i], assigned.splits[k++]);

  fs::create_directories(out);
  const char* names[] = {"train", "valid", "test"};
  std::ofstream outs[3];
  for (int s = 0; s < 3; ++s) {
    outs[s].open(out / (std::string(names[s]) + ".txt"), std::ios::binary);
    if (!outs[s]) throw std::runtime_error((out / names[s]).string() + ".txt: cannot create");
  }
  std::size_t pieces[3]{}, lines[3]{}, tokens[3]{};
  EncodeCounts total;
  TokenCounts train_counts;
  toml::array file_rows, skipped_rows;
  std::vector<std::string> line_tokens;
  // Licences: per file, and summed up for the model cards trained on this data.
  auto sources = CorpusSources::find(root);
  std::map<std::string, std::size_t> license_files;
  std::map<std::string, std::set<std::string>> repo_attributions;
  std::size_t by_content = 0;  // files whose parts only their notes could place
  for (auto& r : results) {
    if (!r.error.empty()) {
      toml::table row{{"path", r.relative.generic_string()}, {"reason", r.error}};
      if (r.assignment && r.assignment->content) row.insert("content", content_table(*r.assignment->content));
      skipped_rows.push_back(std::move(row));
      continue;
    }
    int s = static_cast<int>(r.split);
    pieces[s]++;
    lines[s] += r.lines.size();
    tokens[s] += r.tokens;
    add_counts(total, r.counts);
    for (auto& l : r.lines) {
      outs[s] << l << '\n';
      if (spec.encoding == Encoding::chordwise && r.split == Split::train) {
        line_tokens.clear();
        for (std::size_t a = 0, b; a < l.size(); a = b + 1) {
          b = l.find(' ', a);
          if (b == std::string::npos) b = l.size();
          line_tokens.push_back(l.substr(a, b - a));
        }
        count_tokens(line_tokens, train_counts);
      }
    }
    const SourceRow* src = sources ? sources->lookup(r.relative) : nullptr;
    license_files[src ? src->license : "unknown"]++;
    if (src) repo_attributions[src->source_repo].insert(src->attribution);
    file_rows.push_back(toml::table{{"path", r.relative.generic_string()},
                                    {"license", src ? src->license : "unknown"},
                                    {"composer", r.composer},
                                    {"split", std::string(to_string(r.split))},
                                    {"sha256", r.sha256},
                                    {"notes", static_cast<std::int64_t>(r.counts.notes_in)},
                                    {"tokens", static_cast<std::int64_t>(r.tokens)},
                                    {"dropped_by_transposition", static_cast<std::int64_t>(r.counts.dropped)}});
    if (r.assignment) {
      auto& row = *file_rows.back().as_table();
      row.insert("parts", parts_array(r, spec.parts));
      if (r.assignment->content) {
        row.insert("content", content_table(*r.assignment->content));
        ++by_content;
      }
    }
  }
  for (auto& o : outs) {
    o.close();
    if (!o) throw std::runtime_error(out.string() + ": write failed");
  }
  const auto min_count = static_cast<std::size_t>(args.get_int("--min-count", 1, 1, 1'000'000'000));
  Vocabulary vocab = spec.encoding == Encoding::chordwise ? chordwise_vocabulary(train_counts, min_count)
                                                          : notewise_vocabulary(spec);
  vocab.save(out / "vocab.txt");

  toml::table split_counts;
  for (int s = 0; s < 3; ++s)
    split_counts.insert(names[s], toml::table{{"pieces", static_cast<std::int64_t>(pieces[s])},
                                              {"lines", static_cast<std::int64_t>(lines[s])},
                                              {"tokens", static_cast<std::int64_t>(tokens[s])}});
  std::string license, attribution;
  for (auto& [l, n] : license_files) license += (license.empty() ? "" : "; ") + l + " (" + std::to_string(n) + " files)";
  for (auto& [repo, attrs] : repo_attributions)
    attribution += (attribution.empty() ? "" : "; ") +
                   (attrs.size() == 1 ? *attrs.begin()
                                      : repo + " (" + std::to_string(attrs.size()) +
                                            " typesetters/sources, per file in the data manifest)");
  if (!sources) attribution = "unknown (no SOURCES.tsv beside the corpus)";
  toml::table manifest{
      {"corpus", fs::absolute(root).lexically_normal().string()},
      {"license", license},
      {"attribution", attribution},
      {"spec", to_toml(spec)},
      {"split", toml::table{{"seed", static_cast<std::int64_t>(split.seed)},
                            {"valid", split.valid},
                            {"test", split.test},
                            {"train_transpositions", "-5..+6 semitones"}}},
      {"vocab", toml::table{{"file", "vocab.txt"}, {"size", static_cast<std::int64_t>(vocab.size())}}},
      {"counts", counts_table(total)},
      {"splits", split_counts},
      {"files", file_rows},
      {"skipped", skipped_rows},
  };
  {
    std::ofstream m(out / "manifest.toml", std::ios::binary);
    // Six significant digits: the part figures are rounded to 0.01, and max_digits10
    // would print 61.47 as 61.469999999999999.
    m << "# Written by `clara encode`; inputs with sha256, split and counts.\n"
      << toml::toml_formatter{manifest, toml::toml_formatter::default_flags |
                                            toml::format_flags::relaxed_float_precision}
      << '\n';
    if (!m) throw std::runtime_error((out / "manifest.toml").string() + ": write failed");
  }

  std::cout << "encoded " << (files.size() - skipped_rows.size()) << " of " << files.size() << " files from "
            << root.string() << " as " << to_string(spec.encoding) << " at " << spec.sample_freq
            << " steps/quarter in " << progress.elapsed_seconds() << " s\n";
  for (int s = 0; s < 3; ++s)
    std::cout << "  " << names[s] << ": " << pieces[s] << " pieces, " << lines[s] << " lines, " << tokens[s]
              << " tokens\n";
  std::cout << "  notes " << total.notes_in << ", folded into range " << total.folded
            << ", dropped by transposition " << total.dropped << "; vocabulary " << vocab.size() << " tokens\n"
            << "  wrote " << out.string() << "/{train,valid,test}.txt, vocab.txt, manifest.toml\n";
  if (by_content > 0)
    std::cout << "  parts found by content (names and programs said nothing) in " << by_content
              << " files; the manifest gives each decision and its figures\n";
  if (!assigned.warning.empty())
    std::cerr << "warning: " << assigned.warning << "; add pieces to validate and test on held-out music\n";
  if (!skipped_rows.empty()) {
    std::cout << "skipped " << skipped_rows.size() << " files:\n";
    for (auto& r : results)
      if (!r.error.empty()) std::cout << "  " << r.error << "\n";
  }
  return kOk;
}

int encode_file(const Args& args) {
  fs::path path = args.positional()[0];
  if (!fs::exists(path)) throw NoInputError(path.string() + ": no such file");
  EncodingSpec spec = spec_from_args(args);
  Score score;
  try {
    score = read_midi_file(path);
  } catch (const MidiFileError& e) {
    throw DataError(e.what());
  }
  EncodeCounts counts;
  std::vector<std::string> tokens;
  try {
    tokens = encode_score(score, spec, counts);
  } catch (const std::exception& e) {
    throw DataError(path.string() + ": " + e.what());
  }
  std::cout << join_tokens(tokens) << '\n';
  // Standard error, so the tokens stay clean for a pipe.
  if (spec.parts.classify)
    if (const PartAssignment a = spec.parts.explain(score); a.content)
      std::cerr << path.string() << ": " << a.content->reason << '\n';
  return kOk;
}

int run(const Args& args) {
  bool corpus = args.has("--corpus");
  if (corpus == !args.positional().empty())
    throw UsageError("give either FILE.mid or --corpus DIR --out DIR");
  if (!corpus && (args.has("--out") || args.has("--seed") || args.has("--valid") || args.has("--test") ||
                  args.has("--min-count")))
    throw UsageError("--out, --seed, --valid, --test and --min-count only apply with --corpus");
  return corpus ? encode_corpus(args) : encode_file(args);
}

OptionSpec options() {
  OptionSpec o;
  o.positional("FILE.mid", "one MIDI file: its tokens go to standard output", 0, 1)
      .valued("--corpus", "DIR", "folder of MIDI files (instead of FILE.mid)")
      .valued("--out", "DIR", "output folder (created)")
      .valued("--seed", "S", "split seed (default 0)")
      .valued("--valid", "F", "fraction of pieces for validation (default 0.05)")
      .valued("--test", "F", "fraction of pieces for test (default 0.05)")
      .valued("--threads", "N", "worker threads (default: all cores)")
      .valued("--min-count", "N", "chordwise: chords seen fewer than N times in train read as <unk> (default 1)");
  add_spec_options(o);
  return o;
}

}  // namespace

extern const Command encode_command{
    "encode", "MIDI files to Clara's text encodings",
    "clara encode FILE.mid [SPEC OPTIONS] prints the tokens of one file;\n"
    "clara encode --corpus DIR --out DIR [SPEC OPTIONS] [--seed S] [--valid F] [--test F]\n"
    "encodes every .mid/.midi under DIR (composer = its folder), split by piece into\n"
    "train/valid/test, training pieces in all 12 keys (-5..+6), and writes\n"
    "OUT/{train,valid,test}.txt (one piece a line), OUT/vocab.txt and OUT/manifest.toml.\n"
    "With 3 or more pieces, valid and test get at least one each (if their fraction is not 0);\n"
    "with fewer a warning names the count and the empty splits.\n"
    "Unreadable files are reported and skipped.\n"
    "With --encoding chamber, a file whose track names and programs name no melody part has its\n"
    "solo found from the notes; the decision (or why none) is in the manifest, and on standard\n"
    "error for a single file.\n",
    options(), run};

}  // namespace clara::cli
