#pragma once
// Finding a model folder from what a user types: a path to a folder, or the name
// of one under models/ in each search root in turn (core/install/data_dirs.hpp says which
// roots the programs search).
#include <filesystem>
#include <string>
#include <vector>

#include "core/encoding/encoding_spec.hpp"
#include "core/model/files/model_card.hpp"

namespace clara::model {

// Throws ModelFileError listing the models the roots hold, and the roots, when nothing matches.
std::filesystem::path find_model_folder(const std::string& name_or_path,
                                        const std::vector<std::filesystem::path>& roots);

// The spec that wrote the model's tokens (encoding, grid, range, part table);
// ModelFileError naming the card when it describes none.
EncodingSpec encoding_spec_of(const ModelCard& card);

}  // namespace clara::model
