#pragma once
// Training the AWD-LSTM generator (SPEC §4): fastai-style batches, hidden state carried
// and detached across batches, cross-entropy + AR + TAR, gradient clipping, Adam and
// the seed's triangular LR stages. Checkpoints (model, optimizer, schedule position,
// loader and torch RNG, hidden state) let --resume continue exactly; a time budget,
// an iteration cap or a stop flag (SIGINT) end a run cleanly with a checkpoint and a
// model folder. Torch-free header so the CLI compiles without LibTorch headers.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "core/model/network/awd_lstm_config.hpp"
#include "core/model/training/lr_schedule.hpp"
#include "core/model/files/model_card.hpp"
#include "core/encoding/vocabulary.hpp"

namespace clara::model {

struct TrainOptions {
  AwdLstmConfig arch;  // vocab_size is taken from the vocabulary
  std::int64_t batch_size = 32;
  std::int64_t bptt = 200;
  LrSchedule schedule;               // one stage per peak
  std::int64_t epochs_per_stage = 3;
  double clip = 0.3;
  double weight_decay = 1e-6;
  double beta1 = 0.7, beta2 = 0.99;
  std::uint64_t seed = 1;
  int threads = 0;  // 0: LibTorch's default

  std::optional<std::filesystem::path> checkpoint_dir;  // checkpoint.pt lives here
  bool resume = false;                                  // continue from checkpoint_dir
  // Start from this model folder's weights instead of random ones (fine-tuning a shipped model
  // on more data or a user's own pieces): its sums are checked, and its sizes and vocabulary
  // must be the run's. Ignored when resuming (the checkpoint holds the weights).
  std::optional<std::filesystem::path> init_from;
  double max_minutes = 0;         // wall budget for this run; 0 = none
  std::int64_t max_iterations = 0;  // stop after this many iterations in total; 0 = none
  const std::atomic<bool>* stop = nullptr;  // set by a signal handler

  std::filesystem::path out_dir;  // model folder; empty = write none
  // When set, the model as it stands at the end of each stage is written as a model folder
  // here, named as the seed named its checkpoints: light, med, full, extra (then stage5, ...).
  std::optional<std::filesystem::path> snapshot_dir;
  ModelCard card;                 // data description; training fields are filled in
  std::int64_t log_every = 10;    // iterations between CSV rows
  bool progress = true;           // progress line on stderr
};

struct TrainResult {
  bool finished = false;  // all stages done (false: stopped by budget, cap or signal)
  std::int64_t iterations = 0;
  std::int64_t tokens_seen = 0;
  double seconds = 0;
  double valid_loss = 0, valid_accuracy = 0;
  std::vector<double> losses;  // cross-entropy of each iteration run in this call
  std::vector<double> lrs;     // LR used by each of those iterations
};

// Thrown for unusable data or checkpoints; the message names the file.
// "light", "med", "full", "extra", then "stage5", "stage6", ...
std::string stage_snapshot_name(std::int64_t stage);

class TrainError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `dir`/train_log.csv, created with `header` (its CSV header line, no newline), or opened to
// append when `resume` and it exists; `path` gets its name. TrainError when it cannot be opened.
std::ofstream open_training_log(const std::filesystem::path& dir, bool resume, const std::string& header,
                                std::filesystem::path& path);

// Draws `csv` (a training log) as `clara plot --train-log` draws it, into the SVG `out`
// (the loss.svg beside a model). TrainError when it cannot be written.
void write_loss_picture(const std::filesystem::path& csv, const std::filesystem::path& out);

// Trains on token-id streams (<eos> already in place). `vocab` is copied into the model folder.
TrainResult train_on_tokens(const std::vector<int>& train, const std::vector<int>& valid, const Vocabulary& vocab,
                            const TrainOptions& options);

// Reads an encoded data folder (train.txt, valid.txt, vocab.txt, manifest.toml) and trains.
TrainResult train_language_model(const std::filesystem::path& data_dir, TrainOptions options);

}  // namespace clara::model
