#include "tools/clara/held_out_pieces.hpp"

#include "core/hash/sha256.hpp"
#include "tools/clara/cli.hpp"
#include "tools/clara/labelled_corpus.hpp"

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
  const LabelledCorpus all = labelled_corpus(corpus, model_dir, spec, fallback, /*source_path=*/true);
  HeldOutPieces out;
  for (std::size_t i = 0; i < all.pieces.size(); ++i) {
    const LabelledPiece& p = all.pieces[i];
    if (!wanted(which, to_string(p.split))) continue;
    const fs::path file = corpus / p.path;
    if (!fs::exists(file))
      throw DataError(all.manifest.string() + ": " + p.path + " (held out) is not in " + corpus.string() +
                      ": give the corpus the model was encoded from");
    if (!all.sha256[i].empty() && sha256_file(file) != all.sha256[i])
      throw DataError(all.manifest.string() + ": " + file.string() +
                      " differs from the file the model was encoded from (sha256)");
    out.relative.push_back(p.path);
    out.files.push_back(file);
  }
  out.source = all.manifest.empty()
                   ? "the " + split_name(which) + all.source.substr(std::string("the").size())
                   : "the " + split_name(which) + " pieces of " + all.manifest.string();
  return out;
}

}  // namespace clara::cli
