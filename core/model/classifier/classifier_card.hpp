#pragma once
// classifier.toml: what a judging model is (critic or composer classifier, its classes, the
// sample length it reads, its encoder's sizes), how it was trained and how it scored on
// held-out data. The generator card it shares a vocabulary and encoding with is kept beside
// it as generator.toml. Torch-free.
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/network/awd_lstm_config.hpp"

namespace clara::model {

struct ClassifierCard {
  static constexpr int kFormatVersion = 1;
  std::string kind;  // "critic" or "composer"
  std::string name;
  std::vector<std::string> classes;  // critic: {"human", "generated"}
  std::int64_t sample_tokens = 512;
  std::string vocabulary_file = "vocab.txt";
  AwdLstmConfig architecture;  // the encoder's sizes and dropouts
  // "NAME SHA256" of the generator whose encoder weights started training; "" = random.
  std::string init_from;
  std::string data;  // where the samples came from, in words
  std::string data_license;
  // Pieces per class in each split, and how the classes were chosen, in words.
  std::vector<std::int64_t> train_pieces, valid_pieces, test_pieces;
  std::string class_choice;

  double training_seconds = 0;
  std::int64_t epochs = 0, samples_per_epoch = 0, batch_size = 0;
  double peak_lr = 0;
  std::uint64_t seed = 0;
  bool finished = false;

  double valid_accuracy = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::vector<std::int64_t>> valid_confusion;  // [true class][predicted class]

  std::string to_toml() const;
  static ClassifierCard parse(std::string_view text, const std::string& where);  // ModelFileError
};

}  // namespace clara::model
