// `clara train`: fit the AWD-LSTM generator on an encoded data folder and write a
// verified model folder. Budget-aware: --max-minutes ends cleanly with a checkpoint
// and usable weights, so training runs can be planned to finish in fixed time.
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "core/model/training/trainer.hpp"
#include "tools/clara/baseline.hpp"
#include "tools/clara/cli.hpp"
#include "tools/clara/model_access.hpp"

namespace clara::cli {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_sigint(int) { g_stop.store(true); }

std::vector<double> parse_lrs(const std::string& text) {
  std::vector<double> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    char* end = nullptr;
    const double x = std::strtod(item.c_str(), &end);
    if (item.empty() || *end != '\0' || !(x > 0 && x < 1))
      throw UsageError("option --stage-lrs: '" + item + "' is not a learning rate in (0, 1)");
    out.push_back(x);
  }
  if (out.empty()) throw UsageError("option --stage-lrs: no learning rates given");
  return out;
}

int run_train(const Args& args) {
  namespace fs = std::filesystem;
  using namespace clara::model;
  const fs::path data = args.require("--data");
  const fs::path out = args.require("--out");
  if (!fs::is_directory(data)) throw NoInputError(data.string() + ": no such data folder");

  TrainOptions o;
  const bool sized = args.has("--emb") || args.has("--hidden") || args.has("--layers");
  if (args.has("--preset") && sized) throw UsageError("give either --preset or --emb/--hidden/--layers, not both");
  if (args.has("--init")) {
    o.init_from = resolve_model_dir(args.require("--init"));
    if (!fs::is_regular_file(*o.init_from / "model.toml"))
      throw NoInputError(o.init_from->string() + ": no model.toml (option --init takes a model folder or name)");
  }
  if (!args.has("--preset") && !sized && !o.init_from)
    throw UsageError("give --preset NAME, --emb E --hidden H --layers L, or --init MODEL");
  if (o.init_from && !args.has("--preset") && !sized) {
    // The starting model's sizes and regularisation, as it was trained.
    try {
      o.arch = clara::model::ModelCard::load(*o.init_from / "model.toml").architecture;
    } catch (const clara::model::ModelFileError& e) {
      throw DataError(e.what());
    }
  } else if (args.has("--preset")) {
    try {
      o.arch = AwdLstmConfig::preset(args.require("--preset"), 0);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("option --preset: ") + e.what());
    }
  } else {
    o.arch.emb = args.get_int("--emb", 400, 1, 8192);
    o.arch.hidden = args.get_int("--hidden", 600, 1, 8192);
    o.arch.layers = args.get_int("--layers", 4, 1, 16);
  }
  o.arch = o.arch.with_dropout_multiplier(args.get_double("--dropout", 1.0, 0.0, 5.0));
  o.batch_size = args.get_int("--bs", 32, 1, 4096);
  o.bptt = args.get_int("--bptt", 200, 5, 10000);  // the seed wrote --bptt into bs; this does not
  o.epochs_per_stage = args.get_int("--epochs", 3, 1, 1000);
  if (args.has("--stage-lrs")) o.schedule.peaks = parse_lrs(args.require("--stage-lrs"));
  const long stages = args.get_int("--stages", static_cast<long>(o.schedule.peaks.size()), 1,
                                   static_cast<long>(o.schedule.peaks.size()));
  o.schedule.peaks.resize(static_cast<std::size_t>(stages));
  if (args.has("--lr")) {
    // --lr sets the first stage's peak; later stages keep their ratio to it.
    const double lr = args.get_double("--lr", 3e-3, 1e-9, 1.0);
    const double scale = lr / o.schedule.peaks[0];
    for (auto& p : o.schedule.peaks) p *= scale;
  }
  o.threads = static_cast<int>(args.get_int("--threads", 0, 0, 256));
  o.seed = static_cast<std::uint64_t>(args.get_int("--seed", 1, 0, 1L << 40));
  o.max_minutes = args.get_double("--max-minutes", 0.0, 0.0, 1e7);
  o.max_iterations = args.get_int("--max-iterations", 0, 0, 1L << 40);
  if (args.has("--checkpoint")) o.checkpoint_dir = fs::path(args.require("--checkpoint"));
  if (args.has("--snapshots")) o.snapshot_dir = fs::path(args.require("--snapshots"));
  o.resume = args.flag("--resume");
  if (o.resume && !o.checkpoint_dir) throw UsageError("--resume needs --checkpoint DIR");
  o.out_dir = out;
  o.card.name = out.filename().empty() ? out.parent_path().filename().string() : out.filename().string();
  o.progress = !args.flag("--quiet");

  g_stop.store(false);
  auto previous = std::signal(SIGINT, on_sigint);
  TrainResult r;
  try {
    r = train_language_model(data, o);
  } catch (const TrainError& e) {
    std::signal(SIGINT, previous);
    throw DataError(e.what());
  } catch (const clara::model::ModelFileError& e) {
    std::signal(SIGINT, previous);
    throw DataError(e.what());
  } catch (...) {
    std::signal(SIGINT, previous);
    throw;
  }
  std::signal(SIGINT, previous);
  std::printf("%s: %s after %lld iterations, %lld tokens, %.0f s; ", out.string().c_str(),
              r.finished ? "finished" : "stopped", static_cast<long long>(r.iterations),
              static_cast<long long>(r.tokens_seen), r.seconds);
  if (std::isfinite(r.valid_loss))
    std::printf("valid loss %.4f, accuracy %.4f\n", r.valid_loss, r.valid_accuracy);
  else if (std::error_code ec; fs::file_size(data / "valid.txt", ec) == 0)  // the card then leaves the metrics out
    std::printf("no valid loss: %s holds no validation pieces\n", (data / "valid.txt").string().c_str());
  else
    std::printf("no valid loss: it is not finite (training diverged?)\n");
  if (!r.finished && o.checkpoint_dir)
    std::printf("resume with: --checkpoint %s --resume\n", o.checkpoint_dir->string().c_str());
  if (!args.flag("--no-baseline") && !g_stop.load()) {
    auto b = build_baseline(data, out);
    std::printf("%s: Kneser-Ney 5-gram baseline from %zu training tokens, %.1f MB, %.0f s -> baseline.ngram\n",
                out.string().c_str(), b.train_tokens, static_cast<double>(b.bytes) / 1e6, b.seconds);
  }
  return kOk;
}

}  // namespace

extern const Command train_command{
    "train",
    "train the AWD-LSTM generator on an encoded data folder",
    "Give either --preset or all of --emb, --hidden and --layers, or --init MODEL alone: --init starts\n"
    "from that model's weights (its sizes, its vocabulary, which the data's must equal) to fine-tune it\n"
    "on more data or your own pieces; the card names it as init_from.\n"
    "Reads DIR/train.txt, valid.txt, vocab.txt (and manifest.toml for the card). Each of K stages\n"
    "(default 4, peaks 3e-3,3e-4,3e-6,3e-8) is one triangular LR cycle of N epochs (default 3).\n"
    "--lr scales all peaks so the first is X. --max-minutes, --max-iterations or Ctrl-C stop cleanly:\n"
    "a checkpoint (with --checkpoint) and the model folder are written either way.\n"
    "--snapshots DIR writes the model at the end of each stage as DIR/light, med, full, extra (the\n"
    "seed's per-stage checkpoints), each a complete model folder that generate and eval-lm accept.\n"
    "Writes OUT/weights.pt, model.toml, vocab.txt, train_log.csv, loss.svg and SHA256SUMS, then\n"
    "baseline.ngram: a Kneser-Ney 5-gram of the same training split for `clara eval-lm`\n"
    "(--no-baseline skips it; `clara baseline` builds it for an existing model).\n",
    OptionSpec{}
        .valued("--data", "DIR", "encoded data folder (required)")
        .valued("--init", "MODEL", "start from this model folder's (or name's) weights")
        .valued("--out", "models/NAME", "model folder to write (required)")
        .valued("--preset", "NAME", "seed, small or tiny")
        .valued("--emb", "E", "embedding size, 1..8192")
        .valued("--hidden", "H", "hidden size, 1..8192")
        .valued("--layers", "L", "LSTM layers, 1..16")
        .valued("--epochs", "N", "epochs per stage (default 3)")
        .valued("--stages", "K", "LR cycles (default: the number of --stage-lrs, 4)")
        .valued("--stage-lrs", "a,b,..", "peak LR of each stage (default 3e-3,3e-4,3e-6,3e-8)")
        .valued("--lr", "X", "scale all peaks so the first is X")
        .valued("--bs", "N", "batch size (default 32)")
        .valued("--bptt", "N", "back-propagation length, 5..10000 (default 200)")
        .valued("--dropout", "M", "dropout multiplier, 0..5 (default 1)")
        .valued("--threads", "N", "threads (default 0: LibTorch's choice)")
        .valued("--seed", "S", "random seed (default 1)")
        .valued("--checkpoint", "DIR", "write a checkpoint here")
        .flag("--resume", "resume from --checkpoint")
        .valued("--snapshots", "DIR", "write the model at the end of each stage")
        .valued("--max-minutes", "M", "stop cleanly after M minutes (default 0 = no limit)")
        .valued("--max-iterations", "N", "stop cleanly after N iterations (default 0 = no limit)")
        .flag("--quiet", "no progress output")
        .flag("--no-baseline", "skip the 5-gram baseline"),
    run_train,
};

}  // namespace clara::cli
