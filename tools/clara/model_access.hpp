#pragma once
// What the model commands share: finding a model folder from a name or path,
// and the encoding spec its card describes.
#include <filesystem>
#include <string>
#include <vector>

#include "core/encoding/encoding_spec.hpp"
#include "core/model/files/model_card.hpp"
#include "core/encoding/vocabulary.hpp"

namespace clara::cli {

// NAME or PATH: an existing folder is taken as is; otherwise models/NAME under each data
// folder in turn (core/install/data_dirs.hpp: the working directory, $CLARA_DATA_DIR, the
// program's prefix, the installed data folder). NoInputError lists the
// shipped models when nothing matches.
std::filesystem::path resolve_model_dir(const std::string& name_or_path);

// The spec that wrote the model's tokens (encoding, grid, range, part table).
EncodingSpec spec_of(const model::ModelCard& card);

// Token ids of each line with <eos> after it, as the trainer reads them.
std::vector<int> ids_of(const std::vector<std::vector<std::string>>& lines, const Vocabulary& vocab,
                        std::size_t* unknown = nullptr);

}  // namespace clara::cli
