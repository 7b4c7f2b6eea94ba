#include "tools/clara/held_out_pieces.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>

#include "core/encoding/codec.hpp"
#include "core/hash/sha256.hpp"
#include "core/midi/midi_file.hpp"
#include "tools/clara/cli.hpp"

namespace clara::cli {
namespace fs = std::filesystem;

HeldOut parse_held_out(const std::string& name) {
  if (name == "test") return HeldOut::test;
  if (name == "valid") return HeldOut::valid;
  if (name == "held-out") return HeldOut::both;
  throw UsageError("--split: '" + name + "' is not test, valid or held-out");
}

namespace {

bool wanted(HeldOut which, std::string_view split) {
  return (split == "test" && which != HeldOut::valid) ||
         (split == "valid" && which != HeldOut::test);
}

std::string split_name(HeldOut which) {
  return which == HeldOut::test ? "test" : which == HeldOut::valid ? "valid" : "test and valid";
}

}  // namespace

HeldOutPieces held_out_pieces(const fs::path& corpus, const fs::path& model_dir, HeldOut which,
                              const SplitOptions& fallback, const EncodingSpec& spec) {
  HeldOutPieces out;
  const fs::path manifest = model_dir / "data-manifest.toml";
  if (fs::exists(manifest)) {
    toml::table t;
    try {
      t = toml::parse_file(manifest.string());
    } catch (const toml::parse_error& e) {
      throw DataError(manifest.string() + ":" + std::to_string(e.source().begin.line) + ": " +
                      std::string(e.description()));
    }
    const toml::array* files = t["files"].as_array();
    if (!files) throw DataError(manifest.string() + ": no [[files]] table");
    std::size_t row = 0;
    for (const auto& f : *files) {
      ++row;
      const toml::table* ft = f.as_table();
      const auto path = ft ? (*ft)["path"].value<std::string>() : std::nullopt;
      const auto split = ft ? (*ft)["split"].value<std::string>() : std::nullopt;
      if (!path || !split)
        throw DataError(manifest.string() + ": [[files]] entry " + std::to_string(row) +
                        " lacks path or split");
      if (!wanted(which, *split)) continue;
      const fs::path file = corpus / *path;
      if (!fs::exists(file))
        throw DataError(manifest.string() + ": " + *path + " (held out) is not in " +
                        corpus.string() + ": give the corpus the model was encoded from");
      const auto sum = (*ft)["sha256"].value<std::string>();
      if (sum && sha256_file(file) != *sum)
        throw DataError(manifest.string() + ": " + file.string() +
                        " differs from the file the model was encoded from (sha256)");
      out.relative.push_back(*path);
    }
    out.source = "the " + split_name(which) + " pieces of " + manifest.string();
  } else {
    std::vector<std::string> all;
    for (auto it = fs::recursive_directory_iterator(
             corpus, fs::directory_options::follow_directory_symlink);
         it != fs::recursive_directory_iterator(); ++it) {
      if (!it->is_regular_file()) continue;
      std::string ext = it->path().extension().string();
      std::transform(ext.begin(), ext.end(), ext.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      if (ext != ".mid" && ext != ".midi") continue;
      try {
        EncodeCounts counts;
        quantise(read_midi_file(it->path()), spec, counts);
      } catch (const std::exception&) {
        continue;  // encode skips it too: it takes no part in the split
      }
      all.push_back(fs::relative(it->path(), corpus).generic_string());
    }
    std::sort(all.begin(), all.end());
    const CorpusSplit split = split_corpus(all, fallback);
    for (std::size_t i = 0; i < all.size(); ++i)
      if (wanted(which, to_string(split.splits[i]))) out.relative.push_back(all[i]);
    out.source = "the " + split_name(which) + " pieces of " + corpus.string() +
                 " split as `clara encode --corpus` (seed " + std::to_string(fallback.seed) + ")";
  }
  std::sort(out.relative.begin(), out.relative.end());
  for (const auto& r : out.relative) out.files.push_back(corpus / r);
  return out;
}

}  // namespace clara::cli
