// clara stats: what a token folder (or file) holds: pieces, tokens, notes,
// vocabulary use, and from the manifest the notes folded or dropped.
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <unordered_map>

#include <toml++/toml.h>

#include "core/encoding/codec.hpp"
#include "core/encoding/notewise_codec.hpp"
#include "core/encoding/vocabulary.hpp"
#include "tools/clara/cli.hpp"
#include "tools/clara/manifest_spec.hpp"
#include "tools/clara/spec_options.hpp"
#include "tools/clara/token_io.hpp"

namespace clara::cli {
namespace fs = std::filesystem;
namespace {

void file_stats(const fs::path& path, const EncodingSpec& spec, const Vocabulary* vocab) {
  auto lines = read_token_lines(path.string());
  std::size_t tokens = 0, notes = 0, unknown = 0;
  std::int64_t steps = 0;
  std::unordered_map<std::string, std::size_t> counts;
  for (const auto& l : lines) {
    tokens += l.size();
    for (const auto& t : l) counts[t]++;
    DecodeCounts dc;
    GridPiece g = parse_tokens(l, spec, dc);
    notes += g.notes.size();
    steps += g.steps;
  }
  std::size_t distinct_known = 0;
  if (vocab)
    for (const auto& [t, n] : counts) {
      if (vocab->contains(t)) distinct_known++;
      else unknown += n;
    }
  std::cout << path.filename().string() << ": " << lines.size() << " lines, " << tokens << " tokens, "
            << notes << " notes, " << std::fixed << std::setprecision(1)
            << static_cast<double>(steps) / spec.sample_freq << " quarters, " << counts.size()
            << " distinct tokens";
  if (vocab)
    std::cout << " (using " << std::setprecision(1)
              << 100.0 * static_cast<double>(distinct_known) / static_cast<double>(vocab->size())
              << "% of the vocabulary), " << unknown << " tokens not in the vocabulary";
  std::cout << "\n" << std::defaultfloat;
}

int run(const Args& args) {
  fs::path path = args.positional()[0];
  if (!fs::exists(path)) throw NoInputError(path.string() + ": no such file or folder");
  fs::path dir = fs::is_directory(path) ? path : path.parent_path();
  std::optional<Vocabulary> vocab;
  if (fs::exists(dir / "vocab.txt")) {
    try {
      vocab = Vocabulary::load(dir / "vocab.txt");
    } catch (const std::exception& e) {
      throw DataError(e.what());
    }
  }
  std::vector<fs::path> files;
  if (fs::is_directory(path)) {
    for (const char* n : {"train.txt", "valid.txt", "test.txt"})
      if (fs::exists(path / n)) files.push_back(path / n);
    if (files.empty()) throw NoInputError(path.string() + ": no train/valid/test.txt");
  } else {
    files.push_back(path);
  }
  std::vector<std::string> first_line;
  if (!has_spec_options(args) && !manifest_spec(path)) {
    auto lines = read_token_lines(files[0].string());
    if (lines.empty()) throw DataError(files[0].string() + ": no tokens");
    first_line = lines[0];
  }
  const auto spec = std::make_optional(resolve_spec(args, files[0], first_line));
  std::cout << "encoding " << to_string(spec->encoding) << ", " << spec->sample_freq << " steps/quarter, "
            << "MIDI " << spec->range.lowest << "-" << spec->range.highest() << ", parts " << spec->parts.name;
  if (vocab) std::cout << ", vocabulary " << vocab->size() << " tokens";
  std::cout << "\n";
  for (const auto& f : files) file_stats(f, *spec, vocab ? &*vocab : nullptr);

  if (fs::exists(dir / "manifest.toml")) {
    try {
      auto m = toml::parse_file((dir / "manifest.toml").string());
      auto c = m["counts"];
      std::cout << "corpus: " << m["files"].as_array()->size() << " files encoded, "
                << (m["skipped"].as_array() ? m["skipped"].as_array()->size() : 0) << " skipped; notes "
                << c["notes_in"].value_or<std::int64_t>(0) << ", out of range (folded by octaves) "
                << c["folded_into_range"].value_or<std::int64_t>(0) << ", dropped by transposition "
                << c["dropped_by_transposition"].value_or<std::int64_t>(0) << "\n";
    } catch (const toml::parse_error& e) {
      throw DataError((dir / "manifest.toml").string() + ":" + std::to_string(e.source().begin.line) + ": " +
                      std::string(e.description()));
    }
  }
  return kOk;
}

OptionSpec options() {
  OptionSpec o;
  o.positional("PATH", "a folder written by `clara encode --corpus`, or a token file", 1, 1);
  add_spec_options(o);  // used when there is no manifest
  return o;
}

}  // namespace

extern const Command stats_command{
    "stats", "what a token folder or file holds",
    "For a folder written by `clara encode --corpus`: prints per split the pieces, tokens,\n"
    "notes, length in quarters and vocabulary use, and from manifest.toml the notes folded\n"
    "into range or dropped by transposition and the files skipped. The spec options apply\n"
    "when there is no manifest.\n",
    options(), run};

}  // namespace clara::cli
