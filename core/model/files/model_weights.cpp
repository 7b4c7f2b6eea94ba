#include "core/model/files/model_weights.hpp"

#include <map>
#include <set>
#include <sstream>

#include "core/model/files/model_card.hpp"

namespace clara::model {

std::vector<char> serialize_weights(const AwdLstm& model) {
  c10::impl::GenericDict dict(c10::StringType::get(), c10::TensorType::get());
  for (const auto& p : model.named_parameters())
    dict.insert(p.key(), p.value().detach().to(torch::kCPU, torch::kFloat32).contiguous());
  return torch::pickle_save(c10::IValue(dict));
}

std::map<std::string, torch::Tensor> load_weight_dict(
    const std::string& bytes, const std::vector<std::pair<std::string, std::vector<std::int64_t>>>& expected,
    const std::string& where, const std::string& card) {
  c10::IValue loaded;
  try {
    loaded = torch::pickle_load(std::vector<char>(bytes.begin(), bytes.end()));
  } catch (const std::exception& e) {
    std::string what = e.what();
    throw ModelFileError(where + ": not a readable weights file (" + what.substr(0, what.find('\n')) + ")");
  }
  if (!loaded.isGenericDict()) throw ModelFileError(where + ": expected a dictionary of named tensors");
  std::map<std::string, torch::Tensor> weights;
  for (const auto& entry : loaded.toGenericDict()) {
    if (!entry.key().isString() || !entry.value().isTensor())
      throw ModelFileError(where + ": expected a dictionary of named tensors");
    weights[entry.key().toStringRef()] = entry.value().toTensor();
  }
  std::set<std::string> expected_names;
  for (const auto& [name, shape] : expected) {
    expected_names.insert(name);
    auto it = weights.find(name);
    if (it == weights.end()) throw ModelFileError(where + ": weight '" + name + "' missing");
    const auto& t = it->second;
    if (t.sizes().vec() != shape) {
      std::ostringstream os;
      os << where << ": weight '" << name << "' has shape " << t.sizes() << " but " << card << " implies "
         << c10::IntArrayRef(shape);
      throw ModelFileError(os.str());
    }
    if (t.scalar_type() != torch::kFloat32) throw ModelFileError(where + ": weight '" + name + "' is not float32");
    if (!torch::isfinite(t).all().item<bool>())
      throw ModelFileError(where + ": weight '" + name + "' has a non-finite value");
  }
  for (const auto& [name, t] : weights)
    if (!expected_names.count(name)) throw ModelFileError(where + ": unexpected weight '" + name + "'");
  return weights;
}

std::shared_ptr<AwdLstm> load_weights(const std::string& bytes, const AwdLstmConfig& arch, const std::string& where) {
  const auto weights = load_weight_dict(bytes, expected_weight_shapes(arch), where, "model.toml");
  auto model = std::make_shared<AwdLstm>(arch);
  {
    torch::NoGradGuard ng;
    for (auto& p : model->named_parameters()) p.value().copy_(weights.at(p.key()));
  }
  model->eval();
  return model;
}

}  // namespace clara::model
