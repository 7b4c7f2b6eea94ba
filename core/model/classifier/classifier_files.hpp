#pragma once
// A judging model's folder (models/<name>/): weights.pt (a name -> float32 tensor dict, as
// the generators'), classifier.toml, generator.toml (the card of the generator whose
// vocabulary and encoding it reads), vocab.txt, the training log and SHA256SUMS over every
// file. Loading checks the sums before LibTorch sees a byte, then the shapes the card
// implies and that every weight is finite; failures are ModelFileErrors naming the file.
// Torch-free header.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/encoding/vocabulary.hpp"
#include "core/model/classifier/classifier_card.hpp"
#include "core/model/files/model_card.hpp"

namespace clara::model {

class SequenceClassifier;

// Writes weights.pt, classifier.toml, generator.toml and vocab.txt, then SHA256SUMS over
// every regular file in the folder (so a training log written there first is covered).
void save_classifier_folder(const std::filesystem::path& dir, const SequenceClassifier& model,
                            const ClassifierCard& card, const ModelCard& generator, const Vocabulary& vocab);

class JudgingModel {
 public:
  explicit JudgingModel(const std::filesystem::path& dir);
  ~JudgingModel();
  JudgingModel(JudgingModel&&) noexcept;
  JudgingModel& operator=(JudgingModel&&) noexcept;

  const ClassifierCard& card() const;
  const ModelCard& generator() const;
  const Vocabulary& vocab() const;
  const std::filesystem::path& folder() const;

  // One row of class probabilities per sample. Every sample must be card().sample_tokens
  // long with ids of vocab(); std::invalid_argument otherwise.
  std::vector<std::vector<double>> probabilities(const std::vector<std::vector<int>>& samples) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace clara::model
