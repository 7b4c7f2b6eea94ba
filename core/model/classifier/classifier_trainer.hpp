#pragma once
// Training a judging model: fixed-length samples in batches, cross-entropy, Adam with a
// warm-up then cosine learning rate, gradient clipping; per epoch a fresh class-balanced
// draw of training samples (the caller's), validation accuracy and a confusion matrix,
// a CSV log row and a checkpoint (--resume continues after the last whole epoch). Starting
// from a generator's encoder, the first epoch trains the head alone (the seed's
// freeze_to(-1)), then everything. Torch-free header.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/encoding/vocabulary.hpp"
#include "core/model/classifier/classifier_card.hpp"
#include "core/model/files/model_card.hpp"
#include "core/model/network/awd_lstm_config.hpp"
#include "core/model/training/trainer.hpp"

namespace clara::model {

struct ClassifierSamples {
  std::vector<std::vector<int>> tokens;  // all the same length
  std::vector<int> labels;               // class index of each
};

struct ClassifierTrainOptions {
  AwdLstmConfig sizes;  // emb, hidden, layers (vocab_size from the vocabulary); dropouts are the classifier's
  std::int64_t epochs = 6;
  std::int64_t batch_size = 32;
  double peak_lr = 3e-3;
  double beta1 = 0.7, beta2 = 0.99, weight_decay = 1e-6, clip = 1.0;
  std::uint64_t seed = 1;
  int threads = 0;
  std::optional<std::filesystem::path> init_from;  // a generator folder: its encoder starts training
  std::optional<std::filesystem::path> checkpoint_dir;
  bool resume = false;
  double max_minutes = 0;
  const std::atomic<bool>* stop = nullptr;
  std::filesystem::path out_dir;  // the model folder; written at the end
  ClassifierCard card;            // kind, name, classes, data description
  ModelCard generator;            // the generator card whose vocabulary and encoding the samples use
  bool progress = true;
  std::function<void(const std::string&)> report;  // one block of lines per epoch
};

struct ClassifierTrainResult {
  bool finished = false;
  std::int64_t epochs = 0;
  double seconds = 0;
  double valid_accuracy = 0;
  std::vector<std::vector<std::int64_t>> confusion;
  std::vector<double> epoch_accuracy;  // this run's epochs
};

// A TrainError, as the generator trainer's shared steps (log, loss picture) throw.
class ClassifierTrainError : public TrainError {
 public:
  using TrainError::TrainError;
};

// `train(epoch)` gives the samples of that epoch (deterministic per epoch, so a resumed run
// sees what an unbroken one would).
ClassifierTrainResult train_classifier(const std::function<ClassifierSamples(std::int64_t)>& train,
                                       const ClassifierSamples& valid, const Vocabulary& vocab,
                                       const ClassifierTrainOptions& options);

// "true \\ predicted" table with class names, for reports.
std::string format_confusion(const std::vector<std::vector<std::int64_t>>& confusion,
                             const std::vector<std::string>& classes);

}  // namespace clara::model
