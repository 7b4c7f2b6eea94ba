#include "core/model/files/model_search.hpp"

namespace clara::model {
namespace fs = std::filesystem;

fs::path find_model_folder(const std::string& name, const std::vector<fs::path>& roots) {
  if (fs::is_directory(name)) return name;
  for (const auto& root : roots)
    if (fs::is_directory(root / "models" / name)) return root / "models" / name;
  std::string shipped;
  for (const auto& root : roots) {
    std::error_code ec;
    if (!fs::is_directory(root / "models", ec)) continue;
    for (const auto& e : fs::directory_iterator(root / "models", ec))
      if (e.is_directory() && fs::exists(e.path() / "model.toml")) {
        const auto n = e.path().filename().string();
        if (shipped.find(n) == std::string::npos) shipped += (shipped.empty() ? "" : ", ") + n;
      }
  }
  std::string looked;
  for (const auto& root : roots) looked += (looked.empty() ? "" : ", ") + (root / "models").string();
  throw ModelFileError("model '" + name + "' not found (a folder path, or one of: " +
                       (shipped.empty() ? "none shipped" : shipped) + "; looked in " + looked + ")");
}

EncodingSpec encoding_spec_of(const ModelCard& card) {
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
    throw ModelFileError("model card of '" + card.name + "': " + e.what());
  }
  return spec;
}

}  // namespace clara::model
