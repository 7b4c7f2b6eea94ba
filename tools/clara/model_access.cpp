#include "tools/clara/model_access.hpp"

#include "tools/clara/cli.hpp"

namespace clara::cli {
namespace fs = std::filesystem;

fs::path resolve_model_dir(const std::string& name) {
  if (fs::is_directory(name)) return name;
  for (fs::path root : {fs::current_path(), fs::path(CLARA_SOURCE_DIR)}) {
    if (fs::is_directory(root / "models" / name)) return root / "models" / name;
  }
  std::string shipped;
  if (fs::is_directory(fs::path(CLARA_SOURCE_DIR) / "models"))
    for (const auto& e : fs::directory_iterator(fs::path(CLARA_SOURCE_DIR) / "models"))
      if (e.is_directory()) shipped += (shipped.empty() ? "" : ", ") + e.path().filename().string();
  throw NoInputError("model '" + name + "' not found (a folder path, or one of: " +
                     (shipped.empty() ? "none shipped" : shipped) + ")");
}

EncodingSpec spec_of(const model::ModelCard& card) {
  EncodingSpec spec;
  try {
    spec = EncodingSpec::defaults(parse_encoding(card.encoding));
    if (card.sample_freq > 0) spec.sample_freq = static_cast<int>(card.sample_freq);
    if (card.note_high > card.note_low) {
      spec.range.lowest = static_cast<int>(card.note_low);
      spec.range.size = static_cast<int>(card.note_high - card.note_low + 1);
    }
    if (!card.instruments.empty()) spec.parts = PartTable::by_name(card.instruments.front());
    spec.validate();
  } catch (const std::exception& e) {
    throw DataError("model card of '" + card.name + "': " + e.what());
  }
  return spec;
}

std::vector<int> ids_of(const std::vector<std::vector<std::string>>& lines, const Vocabulary& vocab,
                        std::size_t* unknown) {
  std::vector<int> ids;
  std::size_t unk = 0;
  for (const auto& line : lines) {
    for (const auto& t : line) {
      int id = vocab.id(t);
      unk += id == Vocabulary::kUnk;
      ids.push_back(id);
    }
    ids.push_back(Vocabulary::kEos);
  }
  if (unknown) *unknown = unk;
  return ids;
}

}  // namespace clara::cli
