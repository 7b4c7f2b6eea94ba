// clara baseline: (re)build a model folder's Kneser-Ney 5-gram from its training
// data, for models trained with --no-baseline or before the baseline existed.
#include <cstdio>

#include "tools/clara/baseline.hpp"
#include "tools/clara/cli.hpp"
#include "tools/clara/model_access.hpp"

namespace clara::cli {
namespace {

int run(const Args& args) {
  const std::filesystem::path data = args.require("--data");
  if (!std::filesystem::exists(data / "train.txt")) throw NoInputError((data / "train.txt").string() + ": missing");
  const auto dir = resolve_model_dir(args.require("--model"));
  const auto mb = args.get_double("--max-mb", 20.0, 0.1, 10000.0);
  auto b = build_baseline(data, dir, static_cast<std::size_t>(mb * 1e6));
  std::printf("%s: Kneser-Ney 5-gram from %zu training tokens, %.1f MB, %.0f s -> baseline.ngram\n",
              dir.string().c_str(), b.train_tokens, static_cast<double>(b.bytes) / 1e6, b.seconds);
  return kOk;
}

}  // namespace

extern const Command baseline_command{
    "baseline", "build a model folder's Kneser-Ney 5-gram baseline",
    "Trains an interpolated modified Kneser-Ney 5-gram on DIR/train.txt with the model's\n"
    "vocabulary, prunes it under --max-mb, stores it as baseline.ngram in the model folder\n"
    "and rewrites SHA256SUMS. `clara train` does this itself unless given --no-baseline.\n",
    OptionSpec{}
        .valued("--model", "NAME|PATH", "a folder under models/, or a model folder (required)")
        .valued("--data", "DIR", "encoded data folder; its train.txt is counted (required)")
        .valued("--max-mb", "MB", "size limit of the pruned model (default 20)"),
    run};

}  // namespace clara::cli
