#pragma once
// Licences and attributions of a corpus, from the SOURCES.tsv that sits in the
// corpus folder or above it (../shared/corpus has one), so the manifest, and the
// model cards built from it, say what the data's licences require.
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace clara::cli {

struct SourceRow {
  std::string license, attribution, source_repo;
};

class CorpusSources {
 public:
  // Looks in `corpus` and its parent; nullopt when neither has SOURCES.tsv.
  // DataError naming the file and line when it is malformed.
  static std::optional<CorpusSources> find(const std::filesystem::path& corpus);
  // `relative` is relative to the corpus folder given to find().
  const SourceRow* lookup(const std::filesystem::path& relative) const;
  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
  std::string prefix_;  // corpus folder relative to SOURCES.tsv's folder, "" or "piano/"
  std::map<std::string, SourceRow> rows_;
};

}  // namespace clara::cli
