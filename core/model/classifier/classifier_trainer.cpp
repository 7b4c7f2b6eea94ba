#include "core/model/classifier/classifier_trainer.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <numeric>
#include <random>
#include <sstream>

#include "core/hash/sha256.hpp"
#include "core/model/classifier/classifier_files.hpp"
#include "core/model/classifier/sequence_classifier.hpp"
#include "core/model/files/model_files.hpp"
#include "core/model/training/trainer.hpp"

namespace clara::model {
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

torch::Tensor batch_tensor(const ClassifierSamples& s, const std::vector<std::size_t>& order, std::size_t first,
                           std::size_t n) {
  const std::size_t length = s.tokens[order[first]].size();
  std::vector<std::int64_t> grid(length * n);
  for (std::size_t b = 0; b < n; ++b) {
    const auto& t = s.tokens[order[first + b]];
    if (t.size() != length) throw ClassifierTrainError("samples of different lengths in one batch");
    for (std::size_t i = 0; i < length; ++i) grid[i * n + b] = t[i];
  }
  return torch::from_blob(grid.data(), {static_cast<std::int64_t>(length), static_cast<std::int64_t>(n)},
                          torch::kInt64)
      .clone();
}

torch::Tensor label_tensor(const ClassifierSamples& s, const std::vector<std::size_t>& order, std::size_t first,
                           std::size_t n) {
  std::vector<std::int64_t> y(n);
  for (std::size_t b = 0; b < n; ++b) y[b] = s.labels[order[first + b]];
  return torch::from_blob(y.data(), {static_cast<std::int64_t>(n)}, torch::kInt64).clone();
}

struct Validation {
  double loss = NAN, accuracy = NAN;
  std::vector<std::vector<std::int64_t>> confusion;
};

Validation validate(SequenceClassifier& model, const ClassifierSamples& valid, std::size_t classes) {
  Validation v;
  v.confusion.assign(classes, std::vector<std::int64_t>(classes, 0));
  if (valid.tokens.empty()) return v;
  torch::NoGradGuard ng;
  model.eval();
  std::vector<std::size_t> order(valid.tokens.size());
  std::iota(order.begin(), order.end(), 0);
  double loss = 0, correct = 0;
  for (std::size_t first = 0; first < order.size(); first += 64) {
    const std::size_t n = std::min<std::size_t>(64, order.size() - first);
    auto logits = model.forward(batch_tensor(valid, order, first, n));
    auto y = label_tensor(valid, order, first, n);
    loss += torch::nn::functional::cross_entropy(logits, y,
                                                 torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                .item<double>();
    auto pred = logits.argmax(1);
    for (std::size_t b = 0; b < n; ++b) {
      const auto t = y[static_cast<std::int64_t>(b)].item<std::int64_t>();
      const auto p = pred[static_cast<std::int64_t>(b)].item<std::int64_t>();
      ++v.confusion[static_cast<std::size_t>(t)][static_cast<std::size_t>(p)];
      correct += t == p;
    }
  }
  model.train();
  v.loss = loss / static_cast<double>(order.size());
  v.accuracy = correct / static_cast<double>(order.size());
  return v;
}

// Warm-up over the first 10 % of iterations from peak/10, then cosine down to peak/100.
double lr_at(double peak, std::int64_t it, std::int64_t total) {
  const double warm = std::max(1.0, 0.1 * static_cast<double>(total));
  const double x = static_cast<double>(it);
  if (x < warm) return peak * (0.1 + 0.9 * x / warm);
  const double f = std::min(1.0, (x - warm) / std::max(1.0, static_cast<double>(total) - warm));
  return peak / 100 + (peak - peak / 100) * 0.5 * (1 + std::cos(M_PI * f));
}

void set_encoder_trainable(SequenceClassifier& model, bool on) {
  for (auto& p : model.encoder->parameters()) p.set_requires_grad(on);
}

}  // namespace

std::string format_confusion(const std::vector<std::vector<std::int64_t>>& confusion,
                             const std::vector<std::string>& classes) {
  std::ostringstream os;
  std::size_t w = 6;
  for (const auto& c : classes) w = std::max(w, c.size() + 1);
  os << std::string(w, ' ');
  for (const auto& c : classes) os << ' ' << std::string(w > c.size() ? w - c.size() : 0, ' ') << c;
  os << "   (rows: true class, columns: predicted)\n";
  for (std::size_t i = 0; i < confusion.size() && i < classes.size(); ++i) {
    os << classes[i] << std::string(w > classes[i].size() ? w - classes[i].size() : 0, ' ');
    for (auto n : confusion[i]) {
      const std::string s = std::to_string(n);
      os << ' ' << std::string(w > s.size() ? w - s.size() : 0, ' ') << s;
    }
    os << '\n';
  }
  return os.str();
}

ClassifierTrainResult train_classifier(const std::function<ClassifierSamples(std::int64_t)>& train,
                                       const ClassifierSamples& valid, const Vocabulary& vocab,
                                       const ClassifierTrainOptions& o) {
  if (o.epochs < 1) throw ClassifierTrainError("epochs must be at least 1");
  if (o.resume && !o.checkpoint_dir) throw ClassifierTrainError("--resume needs a checkpoint folder");
  const std::size_t classes = o.card.classes.size();
  if (classes < 2) throw ClassifierTrainError("a classifier needs at least 2 classes");
  if (o.threads > 0) at::set_num_threads(o.threads);
  const auto start = Clock::now();

  AwdLstmConfig sizes = o.sizes;
  sizes.vocab_size = static_cast<std::int64_t>(vocab.size());
  const AwdLstmConfig arch = classifier_encoder_config(sizes);
  torch::manual_seed(o.seed);
  SequenceClassifier model(arch, static_cast<std::int64_t>(classes));
  std::string init_from;
  if (o.init_from) {
    const LoadedModel gen = load_model_folder(*o.init_from);
    const auto& a = gen.card.architecture;
    if (a.emb != arch.emb || a.hidden != arch.hidden || a.layers != arch.layers || !(gen.vocab == vocab))
      throw ClassifierTrainError((*o.init_from / "model.toml").string() +
                                 ": the generator's sizes or vocabulary are not this classifier's");
    torch::NoGradGuard ng;
    const auto source = gen.model->named_parameters();
    for (auto& p : model.encoder->named_parameters()) p.value().copy_(source[p.key()]);
    init_from = gen.card.name + " " + sha256_file(*o.init_from / "weights.pt");
  }
  model.train();
  torch::optim::Adam opt(model.parameters(), torch::optim::AdamOptions(o.peak_lr)
                                                 .betas({o.beta1, o.beta2})
                                                 .weight_decay(o.weight_decay));

  std::int64_t epoch = 0;
  double seconds_before = 0;
  Validation last;
  const fs::path ckpt = o.checkpoint_dir ? *o.checkpoint_dir / "classifier-checkpoint.pt" : fs::path();
  if (o.resume) {
    if (!fs::exists(ckpt)) throw ClassifierTrainError(ckpt.string() + ": no checkpoint to resume from");
    try {
      torch::serialize::InputArchive in;
      in.load_from(ckpt.string());
      torch::serialize::InputArchive m, op;
      in.read("model", m);
      in.read("optimizer", op);
      model.load(m);
      opt.load(op);
      c10::IValue v;
      in.read("position", v);
      auto p = v.toDoubleVector();
      if (p.size() != 4) throw ClassifierTrainError(ckpt.string() + ": malformed position record");
      epoch = static_cast<std::int64_t>(p[0]);
      seconds_before = p[1];
      last.loss = p[2], last.accuracy = p[3];
    } catch (const ClassifierTrainError&) {
      throw;
    } catch (const std::exception& e) {
      std::string what = e.what();
      throw ClassifierTrainError(ckpt.string() + ": cannot resume (" + what.substr(0, what.find('\n')) + ")");
    }
  }

  std::ofstream log;
  fs::path log_path;
  if (!o.out_dir.empty())
    log = open_training_log(o.out_dir, o.resume, "epoch,iter,samples_seen,train_loss,val_loss,val_acc,lr,seconds",
                            log_path);
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };

  const bool tty = o.progress && ::isatty(2);
  ClassifierTrainResult result;
  bool stopped = false;
  std::int64_t iteration = 0, samples_seen = 0;
  Clock::time_point last_line{};
  std::int64_t per_epoch_iters = 0;
  while (epoch < o.epochs && !stopped) {
    ClassifierSamples s = train(epoch);
    if (s.tokens.empty() || s.tokens.size() != s.labels.size())
      throw ClassifierTrainError("epoch " + std::to_string(epoch + 1) + " has no training samples");
    std::vector<std::size_t> order(s.tokens.size());
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(o.seed * 1000003 + static_cast<std::uint64_t>(epoch));
    std::shuffle(order.begin(), order.end(), rng);
    const auto bs = static_cast<std::size_t>(o.batch_size);
    per_epoch_iters = static_cast<std::int64_t>(order.size() / bs);
    if (per_epoch_iters == 0) throw ClassifierTrainError("fewer training samples than one batch");
    const std::int64_t total = per_epoch_iters * o.epochs;
    iteration = per_epoch_iters * epoch;
    const bool frozen = o.init_from && epoch == 0;
    set_encoder_trainable(model, !frozen);
    double loss_sum = 0;
    std::int64_t loss_n = 0;
    for (std::int64_t it = 0; it < per_epoch_iters; ++it) {
      const double lr = lr_at(o.peak_lr, iteration, total);
      for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamOptions&>(g.options()).lr(lr);
      auto x = batch_tensor(s, order, static_cast<std::size_t>(it) * bs, bs);
      auto y = label_tensor(s, order, static_cast<std::size_t>(it) * bs, bs);
      opt.zero_grad();
      auto loss = torch::nn::functional::cross_entropy(model.forward(x), y);
      loss.backward();
      torch::nn::utils::clip_grad_norm_(model.parameters(), o.clip);
      opt.step();
      const double l = loss.item<double>();
      if (!std::isfinite(l)) throw ClassifierTrainError("training diverged at iteration " + std::to_string(iteration));
      loss_sum += l, ++loss_n, ++iteration, samples_seen += static_cast<std::int64_t>(bs);
      if (log && iteration % 10 == 0) {
        log << static_cast<double>(iteration) / static_cast<double>(per_epoch_iters) << ',' << iteration << ','
            << samples_seen << ',' << loss_sum / static_cast<double>(loss_n) << ",,," << lr << ','
            << seconds_before + elapsed() << '\n';
        log.flush();
      }
      const auto now = Clock::now();
      if (o.progress && (tty || now - last_line > std::chrono::seconds(30))) {
        last_line = now;
        const double frac = static_cast<double>(iteration) / static_cast<double>(total);
        const double run_iterations = static_cast<double>(samples_seen) / static_cast<double>(bs);  // this run's
        const double eta = elapsed() * static_cast<double>(total - iteration) / std::max(1.0, run_iterations);
        char line[200];
        std::snprintf(line, sizeof line, "epoch %lld/%lld it %lld/%lld  loss %.4f%s  ETA %.0f min",
                      static_cast<long long>(epoch + 1), static_cast<long long>(o.epochs),
                      static_cast<long long>(it + 1), static_cast<long long>(per_epoch_iters),
                      loss_sum / static_cast<double>(loss_n), frozen ? " (head only)" : "", eta / 60);
        if (tty) {
          const int width = 24, filled = static_cast<int>(frac * width);
          std::cerr << "\r[" << std::string(filled, '#') << std::string(width - filled, '.') << "] " << line
                    << "\033[K" << std::flush;
        } else {
          std::cerr << line << "\n";
        }
      }
      stopped = (o.stop && o.stop->load()) || (o.max_minutes > 0 && elapsed() >= o.max_minutes * 60);
      if (stopped) break;
    }
    if (tty) std::cerr << "\n";
    if (stopped) break;
    ++epoch;
    last = validate(model, valid, classes);
    result.epoch_accuracy.push_back(last.accuracy);
    if (log) {
      log << epoch << ',' << iteration << ',' << samples_seen << ',' << loss_sum / static_cast<double>(loss_n) << ','
          << last.loss << ',' << last.accuracy << ',' << lr_at(o.peak_lr, iteration, total) << ','
          << seconds_before + elapsed() << '\n';
      log.flush();
    }
    if (o.report) {
      char head[160];
      std::snprintf(head, sizeof head, "epoch %lld/%lld: train loss %.4f, valid loss %.4f, valid accuracy %.1f %% (%zu samples)\n",
                    static_cast<long long>(epoch), static_cast<long long>(o.epochs),
                    loss_sum / static_cast<double>(loss_n), last.loss, 100 * last.accuracy, valid.tokens.size());
      o.report(head + format_confusion(last.confusion, o.card.classes));
    }
    if (o.checkpoint_dir) {
      fs::create_directories(*o.checkpoint_dir);
      torch::serialize::OutputArchive out, m, op;
      model.save(m);
      opt.save(op);
      out.write("model", m);
      out.write("optimizer", op);
      out.write("position", c10::IValue(std::vector<double>{static_cast<double>(epoch), seconds_before + elapsed(),
                                                            last.loss, last.accuracy}));
      const fs::path tmp = ckpt.string() + ".tmp";
      out.save_to(tmp.string());
      fs::rename(tmp, ckpt);
    }
  }
  if (last.confusion.empty()) last = validate(model, valid, classes);
  result.finished = !stopped;
  result.epochs = epoch;
  result.seconds = seconds_before + elapsed();
  result.valid_accuracy = last.accuracy;
  result.confusion = last.confusion;

  if (!o.out_dir.empty()) {
    log.close();
    ClassifierCard card = o.card;
    card.architecture = arch;
    card.init_from = init_from;
    card.training_seconds = result.seconds;
    card.epochs = epoch;
    card.batch_size = o.batch_size;
    card.peak_lr = o.peak_lr;
    card.seed = o.seed;
    card.finished = result.finished;
    card.valid_accuracy = last.accuracy;
    card.valid_confusion = last.confusion;
    write_loss_picture(log_path, o.out_dir / "loss.svg");
    save_classifier_folder(o.out_dir, model, card, o.generator, vocab);
  }
  return result;
}

}  // namespace clara::model
