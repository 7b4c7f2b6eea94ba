#pragma once
// A model folder (models/<name>/): weights.pt (model_weights.hpp), model.toml, vocab.txt,
// any extra files (training log, loss curve) and SHA256SUMS covering every one of them.
// Loading verifies every checksum before LibTorch sees a byte, then that nothing unlisted
// is present, that the weights have the shapes the card promises, the vocabulary the size
// it promises, and that every weight is finite. All failures throw ModelFileError naming
// the file and the check.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/model/network/awd_lstm.hpp"
#include "core/model/files/model_card.hpp"
#include "core/encoding/vocabulary.hpp"

namespace clara::model {

struct LoadedModel {
  ModelCard card;
  Vocabulary vocab;
  std::shared_ptr<AwdLstm> model;  // CPU, evaluation mode
};

// Writes weights.pt, model.toml and vocab.txt (each via a temporary file and a
// rename), then SHA256SUMS over every regular file in the folder.
void save_model_folder(const std::filesystem::path& dir, const AwdLstm& model, const ModelCard& card,
                       const Vocabulary& vocab);

// (Re)writes SHA256SUMS over every regular file in `dir` but itself.
void write_sha256sums(const std::filesystem::path& dir);

LoadedModel load_model_folder(const std::filesystem::path& dir);

// The bytes of every file a folder's SHA256SUMS lists, each checked against its sum, after
// checking that nothing unlisted is there (the first two steps of load_model_folder, shared
// with the judging models' folders).
std::map<std::string, std::string> read_verified_folder(const std::filesystem::path& dir);

// Writes through a temporary file and a rename, so a reader never sees half a file.
void write_atomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace clara::model
