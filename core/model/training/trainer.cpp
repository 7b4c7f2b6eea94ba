#include "core/model/training/trainer.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "core/hash/sha256.hpp"
#include "core/model/network/awd_lstm.hpp"
#include "core/model/training/lm_loader.hpp"
#include "core/render/training_curves.hpp"
#include "core/model/files/model_files.hpp"
#include "core/model/training/training_step.hpp"

namespace clara::model {
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// Where training stands; saved in checkpoints so a resumed run continues exactly.
struct Position {
  std::int64_t stage = 0, epoch_in_stage = 0, iter_in_stage = 0;
  std::int64_t iterations = 0, tokens_seen = 0;
  double seconds = 0;  // training time over all runs
  double valid_loss = NAN, valid_accuracy = NAN;
};

torch::Tensor to_tensor(const std::vector<std::int64_t>& v, std::int64_t rows, std::int64_t cols,
                        const torch::Device& device) {
  return torch::from_blob(const_cast<std::int64_t*>(v.data()), {rows, cols}, torch::kInt64).to(device, false, true);
}

// --init: the weights of an existing model folder, which must have the run's sizes and vocabulary.
// Returns its card.
ModelCard init_weights(AwdLstm& model, const AwdLstmConfig& arch, const Vocabulary& vocab, const fs::path& dir) {
  const LoadedModel from = load_model_folder(dir);  // sums, card, shapes, finite weights
  const AwdLstmConfig& a = from.card.architecture;
  if (a.vocab_size != arch.vocab_size || a.emb != arch.emb || a.hidden != arch.hidden || a.layers != arch.layers)
    throw TrainError((dir / "model.toml").string() + ": --init model is " + std::to_string(a.emb) + "/" +
                     std::to_string(a.hidden) + "x" + std::to_string(a.layers) + " over " +
                     std::to_string(a.vocab_size) + " tokens; this run is " + std::to_string(arch.emb) + "/" +
                     std::to_string(arch.hidden) + "x" + std::to_string(arch.layers) + " over " +
                     std::to_string(arch.vocab_size));
  if (!(from.vocab == vocab))
    throw TrainError((dir / from.card.vocabulary_file).string() +
                     ": --init model's vocabulary is not the data's (same size, other tokens or order); "
                     "encode the data with the model's vocabulary");
  torch::NoGradGuard no_grad;
  const auto source = from.model->named_parameters();
  for (auto& p : model.named_parameters()) p.value().copy_(source[p.key()]);
  return from.card;
}

std::pair<double, double> evaluate(AwdLstm& model, const std::vector<int>& valid, std::int64_t bs, std::int64_t bptt,
                                   const torch::Device& device) {
  if (valid.size() < 2) return {NAN, NAN};
  torch::NoGradGuard ng;
  model.eval();
  // Fewer columns when the validation stream is short, so no token is wasted.
  const std::int64_t cols = std::max<std::int64_t>(1, std::min<std::int64_t>(bs, valid.size() / (2 * bptt)));
  const std::int64_t rows = static_cast<std::int64_t>(valid.size()) / cols;
  std::vector<std::int64_t> grid(rows * cols);
  for (std::int64_t b = 0; b < cols; ++b)
    for (std::int64_t r = 0; r < rows; ++r) grid[r * cols + b] = valid[b * rows + r];
  auto all = torch::from_blob(grid.data(), {rows, cols}, torch::kInt64).to(device);
  auto hidden = model.init_hidden(cols);
  double loss_sum = 0, correct = 0, count = 0;
  for (std::int64_t i = 0; i + 1 < rows; i += bptt) {
    const auto len = std::min(bptt, rows - 1 - i);
    auto x = all.slice(0, i, i + len), y = all.slice(0, i + 1, i + 1 + len).reshape({-1});
    auto r = model.forward(x, hidden);
    hidden = r.hidden;
    auto logits = r.logits.reshape({-1, r.logits.size(2)});
    loss_sum += torch::nn::functional::cross_entropy(
                    logits, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                    .item<double>();
    correct += (logits.argmax(1) == y).sum().item<double>();
    count += static_cast<double>(y.numel());
  }
  model.train();
  return {loss_sum / count, correct / count};
}

void save_checkpoint(const fs::path& dir, AwdLstm& model, torch::optim::Adam& opt, const HiddenState& hidden,
                     const LmLoader& loader, const Position& pos, const AwdLstmConfig& arch) {
  fs::create_directories(dir);
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive model_archive, opt_archive;
  model.save(model_archive);
  opt.save(opt_archive);
  archive.write("model", model_archive);
  archive.write("optimizer", opt_archive);
  for (std::size_t l = 0; l < hidden.size(); ++l) {
    archive.write("hidden_h" + std::to_string(l), hidden[l].first.cpu(), true);
    archive.write("hidden_c" + std::to_string(l), hidden[l].second.cpu(), true);
  }
  archive.write("torch_rng", at::detail::getDefaultCPUGenerator().get_state(), true);
  archive.write("loader", c10::IValue(loader.save_state()));
  archive.write("position", c10::IValue(std::vector<std::int64_t>{pos.stage, pos.epoch_in_stage, pos.iter_in_stage,
                                                                  pos.iterations, pos.tokens_seen}));
  archive.write("metrics", c10::IValue(std::vector<double>{pos.seconds, pos.valid_loss, pos.valid_accuracy}));
  archive.write("arch", c10::IValue(std::vector<std::int64_t>{arch.vocab_size, arch.emb, arch.hidden, arch.layers}));
  const fs::path tmp = dir / "checkpoint.pt.tmp";
  archive.save_to(tmp.string());
  fs::rename(tmp, dir / "checkpoint.pt");
}

void load_checkpoint(const fs::path& dir, AwdLstm& model, torch::optim::Adam& opt, HiddenState& hidden,
                     LmLoader& loader, Position& pos, const AwdLstmConfig& arch, const torch::Device& device) {
  const fs::path file = dir / "checkpoint.pt";
  if (!fs::exists(file)) throw TrainError(file.string() + ": no checkpoint to resume from");
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(file.string(), device);
    c10::IValue v;
    archive.read("arch", v);
    if (v.toIntVector() != std::vector<std::int64_t>{arch.vocab_size, arch.emb, arch.hidden, arch.layers})
      throw TrainError(file.string() + ": checkpoint was made for a different architecture or vocabulary");
    torch::serialize::InputArchive model_archive, opt_archive;
    archive.read("model", model_archive);
    archive.read("optimizer", opt_archive);
    model.load(model_archive);
    opt.load(opt_archive);
    for (std::size_t l = 0; l < hidden.size(); ++l) {
      archive.read("hidden_h" + std::to_string(l), hidden[l].first, true);
      archive.read("hidden_c" + std::to_string(l), hidden[l].second, true);
      hidden[l].first = hidden[l].first.to(device);
      hidden[l].second = hidden[l].second.to(device);
    }
    torch::Tensor rng;
    archive.read("torch_rng", rng, true);
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    gen.set_state(rng.cpu());
    archive.read("loader", v);
    loader.restore_state(v.toStringRef());
    archive.read("position", v);
    auto p = v.toIntVector();
    archive.read("metrics", v);
    auto m = v.toDoubleVector();
    if (p.size() != 5 || m.size() != 3) throw TrainError(file.string() + ": malformed position record");
    pos = {p[0], p[1], p[2], p[3], p[4], m[0], m[1], m[2]};
  } catch (const TrainError&) {
    throw;
  } catch (const std::exception& e) {
    std::string what = e.what();
    throw TrainError(file.string() + ": cannot resume (" + what.substr(0, what.find('\n')) + ")");
  }
}

struct Progress {
  bool enabled, tty;
  Clock::time_point last{};
  void update(const Position& p, std::int64_t total_iters, double loss, double tokens_per_s, double eta_s) {
    if (!enabled) return;
    const auto now = Clock::now();
    if (!tty && now - last < std::chrono::seconds(30)) return;
    last = now;
    const double frac = std::min(1.0, static_cast<double>(p.iterations) / std::max<std::int64_t>(1, total_iters));
    char line[200];
    std::snprintf(line, sizeof line, "stage %lld epoch %lld it %lld  loss %.4f  %.0f tok/s  ETA %.0f min",
                  static_cast<long long>(p.stage + 1), static_cast<long long>(p.epoch_in_stage + 1),
                  static_cast<long long>(p.iterations), loss, tokens_per_s, eta_s / 60.0);
    if (tty) {
      const int width = 24, filled = static_cast<int>(frac * width);
      std::cerr << "\r[" << std::string(filled, '#') << std::string(width - filled, '.') << "] " << line << "\033[K"
                << std::flush;
    } else {
      std::cerr << line << "\n";
    }
  }
  void done() {
    if (enabled && tty) std::cerr << "\n";
  }
};

}  // namespace

TrainResult train_on_tokens(const std::vector<int>& train, const std::vector<int>& valid, const Vocabulary& vocab,
                            const TrainOptions& o) {
  if (o.schedule.peaks.empty()) throw TrainError("training needs at least one LR stage");
  if (o.epochs_per_stage < 1) throw TrainError("epochs per stage must be at least 1");
  if (o.resume && !o.checkpoint_dir) throw TrainError("--resume needs a checkpoint folder");
  if (o.threads > 0) at::set_num_threads(o.threads);
  const auto start = Clock::now();
  const torch::Device device = torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);

  AwdLstmConfig arch = o.arch;
  arch.vocab_size = static_cast<std::int64_t>(vocab.size());
  torch::manual_seed(o.seed);
  AwdLstm model(arch);
  model.to(device);
  model.train();
  LmLoader loader(train, o.batch_size, o.bptt, o.seed);
  torch::optim::Adam opt(model.parameters(), torch::optim::AdamOptions(o.schedule.peaks[0])
                                                 .betas({o.beta1, o.beta2})
                                                 .weight_decay(o.weight_decay));
  HiddenState hidden = model.init_hidden(o.batch_size);
  Position pos;
  // The parent's card, once: its name and weights' sha256 go into ours, and its sampling.
  std::optional<ModelCard> parent;
  if (o.init_from)
    parent = o.resume ? ModelCard::load(*o.init_from / "model.toml") : init_weights(model, arch, vocab, *o.init_from);
  const std::string init_from = parent ? parent->name + " " + sha256_file(*o.init_from / "weights.pt") : "";
  if (o.resume) load_checkpoint(*o.checkpoint_dir, model, opt, hidden, loader, pos, arch, device);

  const std::int64_t per_epoch = loader.batches_per_epoch_estimate();
  const std::int64_t stage_iters = per_epoch * o.epochs_per_stage;
  const std::int64_t total_iters = stage_iters * static_cast<std::int64_t>(o.schedule.peaks.size());
  const double seconds_before = pos.seconds;

  std::ofstream log;
  fs::path log_path;
  if (!o.out_dir.empty())
    log = open_training_log(o.out_dir, o.resume, "epoch,iter,tokens_seen,train_loss,val_loss,val_acc,lr,seconds",
                            log_path);
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  auto log_row = [&](double train_loss, double vl, double va, double lr) {
    if (!log) return;
    const double epoch = static_cast<double>(pos.stage * o.epochs_per_stage + pos.epoch_in_stage) +
                         static_cast<double>(loader.position()) / std::max<std::int64_t>(1, loader.rows() - 1);
    auto cell = [](double x) { return std::isfinite(x) ? std::to_string(x) : std::string(); };
    log << epoch << ',' << pos.iterations << ',' << pos.tokens_seen << ',' << cell(train_loss) << ',' << cell(vl)
        << ',' << cell(va) << ',' << lr << ',' << seconds_before + elapsed() << '\n';
    log.flush();
  };

  Progress progress{o.progress, static_cast<bool>(::isatty(2))};
  TrainResult result;
  bool stopped = false;
  double window_loss = 0;
  std::int64_t window_n = 0;
  const auto run_start_tokens = pos.tokens_seen;
  LmBatch batch;

  // The card of the model as it stands (final folder and stage snapshots).
  auto make_card = [&](bool finished) {
    ModelCard card = o.card;
    card.architecture = arch;
    card.training_seconds = pos.seconds;
    card.tokens_seen = pos.tokens_seen;
    card.iterations = pos.iterations;
    card.epochs = static_cast<double>(pos.stage * o.epochs_per_stage + pos.epoch_in_stage) +
                  static_cast<double>(loader.position()) / std::max<std::int64_t>(1, loader.rows() - 1);
    card.batch_size = o.batch_size;
    card.bptt = o.bptt;
    card.peak_lrs = o.schedule.peaks;
    card.finished = finished;
    if (parent) {
      card.init_from = init_from;
      // A fine-tuned model sounds best the way its parent did, unless the run says otherwise.
      if (card.sampling.empty()) card.sampling = parent->sampling;
    }
    card.valid_loss = pos.valid_loss;
    card.valid_accuracy = pos.valid_accuracy;
    return card;
  };
  while (pos.stage < static_cast<std::int64_t>(o.schedule.peaks.size()) && !stopped) {
    while (pos.stage < static_cast<std::int64_t>(o.schedule.peaks.size()) && pos.epoch_in_stage < o.epochs_per_stage &&
           !stopped) {
      while (loader.next(batch)) {
        const double lr = o.schedule.at(pos.stage, pos.iter_in_stage, stage_iters);
        for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamOptions&>(g.options()).lr(lr);
        auto x = to_tensor(batch.input, batch.rows, batch.columns, device);
        auto y = to_tensor(batch.target, batch.rows, batch.columns, device);
        const double ce_value = training_step(model, opt, hidden, x, y, o.clip);
        if (!std::isfinite(ce_value))
          throw TrainError("training diverged at iteration " + std::to_string(pos.iterations) + " (loss is not finite)");
        result.losses.push_back(ce_value);
        result.lrs.push_back(lr);
        ++pos.iterations;
        ++pos.iter_in_stage;
        pos.tokens_seen += batch.rows * batch.columns;
        window_loss += ce_value;
        ++window_n;
        if (o.log_every > 0 && pos.iterations % o.log_every == 0) {
          log_row(window_loss / window_n, NAN, NAN, lr);
          window_loss = 0, window_n = 0;
        }
        const double secs = elapsed();
        const double tps = static_cast<double>(pos.tokens_seen - run_start_tokens) / std::max(1e-9, secs);
        const double per_iter = secs / std::max<std::size_t>(1, result.losses.size());
        progress.update(pos, total_iters, ce_value, tps, per_iter * static_cast<double>(total_iters - pos.iterations));

        stopped = (o.stop && o.stop->load()) || (o.max_minutes > 0 && secs >= o.max_minutes * 60.0) ||
                  (o.max_iterations > 0 && pos.iterations >= o.max_iterations);
        if (stopped) break;
      }
      if (stopped) break;
      // End of an epoch: validate, start the next with a fresh state (fastai resets the RNN per epoch).
      std::tie(pos.valid_loss, pos.valid_accuracy) = evaluate(model, valid, o.batch_size, o.bptt, device);
      log_row(window_n ? window_loss / window_n : NAN, pos.valid_loss, pos.valid_accuracy,
              o.schedule.at(pos.stage, pos.iter_in_stage, stage_iters));
      window_loss = 0, window_n = 0;
      loader.start_epoch();
      hidden = model.init_hidden(o.batch_size);
      ++pos.epoch_in_stage;
      if (pos.epoch_in_stage == o.epochs_per_stage) {
        ++pos.stage;
        pos.epoch_in_stage = 0;
        pos.iter_in_stage = 0;
        if (o.snapshot_dir) {
          pos.seconds = seconds_before + elapsed();
          ModelCard card = make_card(pos.stage == static_cast<std::int64_t>(o.schedule.peaks.size()));
          card.name = card.name + "-" + stage_snapshot_name(pos.stage - 1);
          model.to(torch::kCPU);
          save_model_folder(*o.snapshot_dir / stage_snapshot_name(pos.stage - 1), model, card, vocab);
          model.to(device);
        }
      }
      pos.seconds = seconds_before + elapsed();
      if (o.checkpoint_dir) save_checkpoint(*o.checkpoint_dir, model, opt, hidden, loader, pos, arch);
    }
  }
  progress.done();
  pos.seconds = seconds_before + elapsed();
  if (stopped && o.checkpoint_dir) save_checkpoint(*o.checkpoint_dir, model, opt, hidden, loader, pos, arch);

  result.finished = !stopped;
  result.iterations = pos.iterations;
  result.tokens_seen = pos.tokens_seen;
  result.seconds = pos.seconds;
  if (!std::isfinite(pos.valid_loss)) std::tie(pos.valid_loss, pos.valid_accuracy) = evaluate(model, valid, o.batch_size, o.bptt, device);
  result.valid_loss = pos.valid_loss;
  result.valid_accuracy = pos.valid_accuracy;

  if (!o.out_dir.empty()) {
    log.close();
    write_loss_picture(log_path, o.out_dir / "loss.svg");
    model.to(torch::kCPU);
    save_model_folder(o.out_dir, model, make_card(result.finished), vocab);
  }
  return result;
}

// The curves beside the model (loss.svg), drawn from the log just written as
// `clara plot --train-log` draws them.
void write_loss_picture(const fs::path& csv, const fs::path& out) {
  std::ifstream in(csv, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  const std::string svg = training_curves_image(parse_training_log(text.str(), csv.string()), {}, ImageFormat::svg);
  std::ofstream f(out, std::ios::binary | std::ios::trunc);
  f.write(svg.data(), static_cast<std::streamsize>(svg.size()));
  if (!f) throw TrainError(out.string() + ": cannot write");
}

std::ofstream open_training_log(const fs::path& dir, bool resume, const std::string& header, fs::path& path) {
  fs::create_directories(dir);
  path = dir / "train_log.csv";
  const bool append = resume && fs::exists(path);
  std::ofstream log(path, append ? std::ios::app : std::ios::trunc);
  if (!log) throw TrainError(path.string() + ": cannot create");
  if (!append) log << header << '\n';
  return log;
}

std::string stage_snapshot_name(std::int64_t stage) {
  static const char* const kNames[] = {"light", "med", "full", "extra"};
  return stage >= 0 && stage < 4 ? kNames[stage] : "stage" + std::to_string(stage + 1);
}

TrainResult train_language_model(const fs::path& data_dir, TrainOptions options) {
  for (const char* f : {"train.txt", "valid.txt", "vocab.txt"})
    if (!fs::exists(data_dir / f)) throw TrainError((data_dir / f).string() + ": missing from the data folder");
  Vocabulary vocab = Vocabulary::load(data_dir / "vocab.txt");
  auto train = read_token_file(data_dir / "train.txt", vocab);
  auto valid = read_token_file(data_dir / "valid.txt", vocab);
  if (train.size() < static_cast<std::size_t>(2 * options.batch_size))
    throw TrainError((data_dir / "train.txt").string() + ": only " + std::to_string(train.size()) +
                     " tokens, too few for batch size " + std::to_string(options.batch_size));
  options.card.describe_data(data_dir / "manifest.toml");
  return train_on_tokens(train, valid, vocab, options);
}

}  // namespace clara::model
