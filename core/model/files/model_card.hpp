#pragma once
// model.toml: what a trained generator is (encoding, grid, range, sizes) and where it
// came from (data manifest hash and split, training time, tokens seen, held-out
// metrics, data licence). Torch-free: tools can read a card without LibTorch.
#include <cstdint>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/files/card_sampling.hpp"
#include "core/model/network/awd_lstm_config.hpp"

namespace clara::model {

// Any problem with a model folder or one of its files; the message names the file
// (and key or line) and the check that failed.
class ModelFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ModelCard {
  static constexpr int kFormatVersion = 1;
  std::string name;
  // Data description, copied from the encoded data's manifest.toml where present.
  std::string encoding = "unknown";
  std::int64_t sample_freq = 0;
  std::int64_t note_low = 0, note_high = 0;  // MIDI, inclusive
  std::vector<std::string> instruments;
  std::string vocabulary_file = "vocab.txt";
  std::string data_manifest_sha256;  // of the data folder's manifest.toml, "" if none
  std::string data_split = "train";
  std::string data_license;
  std::string attribution;

  AwdLstmConfig architecture;

  double training_seconds = 0;
  std::int64_t tokens_seen = 0;
  std::int64_t iterations = 0;
  double epochs = 0;  // epochs completed (fractional when stopped early)
  std::int64_t batch_size = 0, bptt = 0;
  std::vector<double> peak_lrs;
  bool finished = false;  // false when stopped by a time budget or interrupt
  // "NAME SHA256" of the model this one was trained on from (clara train --init; the figures
  // above are this run's own), "" when trained from random weights.
  std::string init_from;

  // NaN = not measured (no validation data): to_toml() then leaves the key out, and a card
  // that holds `nan` loads as not measured with a line in `warnings`.
  double valid_loss = std::numeric_limits<double>::quiet_NaN();
  double valid_accuracy = std::numeric_limits<double>::quiet_NaN();

  // [sampling]: optional; a card without it leaves the tools' built-in sampling.
  CardSampling sampling;

  // What parse() accepted but the reader should hear about, each naming the file and key.
  std::vector<std::string> warnings;

  std::string to_toml() const;
  // `where` names the file in error messages.
  static ModelCard parse(std::string_view text, const std::string& where);
  static ModelCard load(const std::filesystem::path& path);

  // Fills the data description from an encoded data folder's manifest.toml (lenient:
  // keys it does not find stay as they are) and records the manifest's sha256.
  void describe_data(const std::filesystem::path& manifest);
};

}  // namespace clara::model
