#include "tools/clara/model_access.hpp"

#include "core/install/data_dirs.hpp"
#include "core/model/files/model_search.hpp"
#include "tools/clara/cli.hpp"

namespace clara::cli {
namespace fs = std::filesystem;

fs::path resolve_model_dir(const std::string& name) {
  try {
    return model::find_model_folder(name, process_data_dirs());
  } catch (const model::ModelFileError& e) {
    throw NoInputError(e.what());
  }
}

EncodingSpec spec_of(const model::ModelCard& card) {
  try {
    return model::encoding_spec_of(card);
  } catch (const model::ModelFileError& e) {
    throw DataError(e.what());
  }
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
