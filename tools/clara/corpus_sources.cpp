#include "tools/clara/corpus_sources.hpp"

#include <fstream>
#include <algorithm>
#include <sstream>
#include <vector>

#include "tools/clara/cli.hpp"

namespace clara::cli {
namespace fs = std::filesystem;

namespace {
std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  for (std::string f; std::getline(ss, f, '\t');) out.push_back(f);
  return out;
}
}  // namespace

std::optional<CorpusSources> CorpusSources::find(const fs::path& corpus) {
  fs::path abs = fs::absolute(corpus).lexically_normal();
  if (abs.filename().empty()) abs = abs.parent_path();
  for (fs::path dir : {abs, abs.parent_path()}) {
    fs::path tsv = dir / "SOURCES.tsv";
    if (!fs::exists(tsv)) continue;
    CorpusSources s;
    s.file_ = tsv;
    auto rel = abs.lexically_relative(dir).generic_string();
    s.prefix_ = rel == "." ? "" : rel + "/";
    std::ifstream in(tsv);
    std::string line;
    if (!std::getline(in, line)) throw DataError(tsv.string() + ":1: empty file");
    auto header = split_tabs(line);
    int path_col = -1, lic_col = -1, attr_col = -1, repo_col = -1;
    for (int i = 0; i < static_cast<int>(header.size()); ++i) {
      if (header[i] == "path") path_col = i;
      if (header[i] == "license") lic_col = i;
      if (header[i] == "attribution") attr_col = i;
      if (header[i] == "source_repo") repo_col = i;
    }
    if (path_col < 0 || lic_col < 0 || attr_col < 0)
      throw DataError(tsv.string() + ":1: header lacks path, license or attribution column");
    for (std::size_t n = 2; std::getline(in, line); ++n) {
      if (line.empty()) continue;
      auto f = split_tabs(line);
      if (static_cast<int>(f.size()) <= std::max({path_col, lic_col, attr_col, repo_col}))
        throw DataError(tsv.string() + ":" + std::to_string(n) + ": too few columns");
      s.rows_[f[static_cast<std::size_t>(path_col)]] =
          SourceRow{f[static_cast<std::size_t>(lic_col)], f[static_cast<std::size_t>(attr_col)],
                    repo_col >= 0 ? f[static_cast<std::size_t>(repo_col)] : ""};
    }
    return s;
  }
  return std::nullopt;
}

const SourceRow* CorpusSources::lookup(const fs::path& relative) const {
  auto it = rows_.find(prefix_ + relative.generic_string());
  return it == rows_.end() ? nullptr : &it->second;
}

}  // namespace clara::cli
