#pragma once
// The weights file of a model folder (weights.pt): a torch::pickle_save of a
// name -> float32 CPU tensor dict. Split from the folder checks (model_files.hpp) so the
// tensor format is in one place; the folder decides which bytes to trust, this file what
// they must hold.
#include <map>
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
// The tensors of a weights file, each present with the shape `expected` gives, float32 and
// finite, and nothing else; ModelFileErrors name `where` (the file), the weight, and `card`
// (the file whose sizes imply the shapes).
std::map<std::string, torch::Tensor> load_weight_dict(
    const std::string& bytes, const std::vector<std::pair<std::string, std::vector<std::int64_t>>>& expected,
    const std::string& where, const std::string& card);

std::shared_ptr<AwdLstm> load_weights(const std::string& bytes, const AwdLstmConfig& arch, const std::string& where);

}  // namespace clara::model
