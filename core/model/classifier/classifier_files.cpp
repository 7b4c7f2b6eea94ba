#include "core/model/classifier/classifier_files.hpp"

#include <map>

#include "core/model/classifier/sequence_classifier.hpp"
#include "core/model/files/model_files.hpp"
#include "core/model/files/model_weights.hpp"

namespace clara::model {
namespace fs = std::filesystem;

namespace {
constexpr const char* kWeights = "weights.pt";
constexpr const char* kCard = "classifier.toml";
constexpr const char* kGenerator = "generator.toml";
}  // namespace

void save_classifier_folder(const fs::path& dir, const SequenceClassifier& model, const ClassifierCard& card,
                            const ModelCard& generator, const Vocabulary& vocab) {
  if (card.architecture.vocab_size != static_cast<std::int64_t>(vocab.size()))
    throw ModelFileError(dir.string() + ": card says vocab_size " + std::to_string(card.architecture.vocab_size) +
                         " but the vocabulary has " + std::to_string(vocab.size()) + " tokens");
  fs::create_directories(dir);
  c10::impl::GenericDict dict(c10::StringType::get(), c10::TensorType::get());
  for (const auto& [name, t] : classifier_tensors(model))
    dict.insert(name, t.detach().to(torch::kCPU, torch::kFloat32).contiguous());
  const auto bytes = torch::pickle_save(c10::IValue(dict));
  write_atomically(dir / kWeights, std::string_view(bytes.data(), bytes.size()));
  write_atomically(dir / kCard, card.to_toml());
  write_atomically(dir / kGenerator, generator.to_toml());
  const fs::path vtmp = dir / (card.vocabulary_file + ".tmp");
  vocab.save(vtmp);
  fs::rename(vtmp, dir / card.vocabulary_file);
  write_sha256sums(dir);
}

struct JudgingModel::Impl {
  fs::path dir;
  ClassifierCard card;
  ModelCard generator;
  Vocabulary vocab;
  std::shared_ptr<SequenceClassifier> model;
};

JudgingModel::JudgingModel(const fs::path& dir) : impl_(std::make_unique<Impl>()) {
  impl_->dir = dir;
  const auto contents = read_verified_folder(dir);
  for (const char* required : {kWeights, kCard, kGenerator})
    if (!contents.count(required))
      throw ModelFileError((dir / required).string() + ": missing (not listed in SHA256SUMS)");
  impl_->card = ClassifierCard::parse(contents.at(kCard), (dir / kCard).string());
  impl_->generator = ModelCard::parse(contents.at(kGenerator), (dir / kGenerator).string());
  const auto& card = impl_->card;
  const fs::path vocab_path = dir / card.vocabulary_file;
  if (!contents.count(card.vocabulary_file))
    throw ModelFileError(vocab_path.string() + ": vocabulary named by classifier.toml is not listed in SHA256SUMS");
  try {
    impl_->vocab = Vocabulary::load(vocab_path);
  } catch (const std::exception& e) {
    throw ModelFileError(std::string(e.what()));
  }
  if (static_cast<std::int64_t>(impl_->vocab.size()) != card.architecture.vocab_size)
    throw ModelFileError(vocab_path.string() + ": " + std::to_string(impl_->vocab.size()) +
                         " tokens but classifier.toml says vocab_size = " +
                         std::to_string(card.architecture.vocab_size));

  const std::string where = (dir / kWeights).string();
  const auto classes = static_cast<std::int64_t>(card.classes.size());
  const auto weights =
      load_weight_dict(contents.at(kWeights), classifier_weight_shapes(card.architecture, classes), where, kCard);
  impl_->model = std::make_shared<SequenceClassifier>(card.architecture, classes);
  torch::NoGradGuard ng;
  for (auto& [name, t] : classifier_tensors(*impl_->model)) t.copy_(weights.at(name));
  impl_->model->eval();
}

JudgingModel::~JudgingModel() = default;
JudgingModel::JudgingModel(JudgingModel&&) noexcept = default;
JudgingModel& JudgingModel::operator=(JudgingModel&&) noexcept = default;

const ClassifierCard& JudgingModel::card() const { return impl_->card; }
const ModelCard& JudgingModel::generator() const { return impl_->generator; }
const Vocabulary& JudgingModel::vocab() const { return impl_->vocab; }
const fs::path& JudgingModel::folder() const { return impl_->dir; }

std::vector<std::vector<double>> JudgingModel::probabilities(const std::vector<std::vector<int>>& samples) const {
  for (const auto& s : samples)
    if (static_cast<std::int64_t>(s.size()) != impl_->card.sample_tokens)
      throw std::invalid_argument("a sample of " + std::to_string(s.size()) + " tokens; " +
                                  impl_->dir.string() + " reads " + std::to_string(impl_->card.sample_tokens));
  return classify(*impl_->model, samples);
}

}  // namespace clara::model
