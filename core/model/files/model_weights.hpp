#pragma once
// The weights file of a model folder (weights.pt): a torch::pickle_save of a
// name -> float32 CPU tensor dict. Split from the folder checks (model_files.hpp) so the
// tensor format is in one place; the folder decides which bytes to trust, this file what
// they must hold.
#include <memory>
#include <string>
#include <vector>

#include "core/model/network/awd_lstm.hpp"

namespace clara::model {

// The weights file as bytes; also how tests compare two models exactly.
std::vector<char> serialize_weights(const AwdLstm& model);

// Builds a model of `arch` from weights file bytes, in evaluation mode. Every weight must be
// present with the shape `arch` implies, float32 and finite, and nothing else may be there;
// failures are ModelFileErrors naming `where` (the file) and the weight.
std::shared_ptr<AwdLstm> load_weights(const std::string& bytes, const AwdLstmConfig& arch, const std::string& where);

}  // namespace clara::model
