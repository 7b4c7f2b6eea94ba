// clara eval-lm: how well a model predicts held-out tokens, beside the
// Kneser-Ney 5-gram baseline stored in the model folder (built from the same
// training split), on the same tokens: NLL per token (nats), perplexity,
// top-1 / top-3 accuracy. Each line is scored as a piece on its own, starting
// from <eos> and predicting its closing <eos>, for both models alike.
// With --precision the model is scored through the inference step (InferenceSession, one
// token at a time, as clarad runs it) at that precision instead of the training module.
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "core/model/files/model_files.hpp"
#include "core/model/inference/inference_session.hpp"
#include "core/generation/ngram_model.hpp"
#include "tools/clara/cli.hpp"
#include "tools/clara/model_access.hpp"
#include "tools/clara/lm_score.hpp"
#include "tools/clara/token_io.hpp"

namespace clara::cli {
namespace fs = std::filesystem;
namespace {

int run(const Args& args) {
  const std::string data = args.require("--data");
  fs::path dir = resolve_model_dir(args.require("--model"));
  model::LoadedModel loaded;
  try {
    loaded = model::load_model_folder(dir);
  } catch (const model::ModelFileError& e) {
    throw DataError(e.what());
  }
  fs::path baseline_path = dir / "baseline.ngram";
  if (!fs::exists(baseline_path))
    throw DataError(dir.string() + ": no baseline.ngram (train the model with `clara train`, which builds it)");
  auto load_baseline = [&] {
    try {
      return NgramModel::load(baseline_path);
    } catch (const std::exception& e) {
      throw DataError(e.what());
    }
  };
  const NgramModel baseline = load_baseline();
  if (baseline.vocab_size() != loaded.vocab.size())
    throw DataError(baseline_path.string() + ": built for " + std::to_string(baseline.vocab_size()) +
                    " tokens, the model has " + std::to_string(loaded.vocab.size()));

  auto lines = read_token_lines(data);
  if (lines.empty()) throw DataError(data + ": no tokens");
  std::vector<std::vector<int>> pieces;
  std::size_t unknown = 0;
  for (const auto& l : lines) {
    std::vector<int> ids;
    for (const auto& t : l) {
      int id = loaded.vocab.id(t);
      unknown += id == Vocabulary::kUnk;
      ids.push_back(id);
    }
    pieces.push_back(std::move(ids));
  }
  const int threads = static_cast<int>(args.get_int("--threads", 0, 0, 256));
  if (threads > 0) torch::set_num_threads(threads);

  std::optional<model::PrecisionChoice> precision;
  LmScore m;
  if (auto p = args.get("--precision")) {
    const auto requested = model::parse_precision(*p);
    if (!requested) throw UsageError("option --precision: '" + *p + "' is not fp32, int8 or auto");
    model::InferenceSession session(*loaded.model, 1, *requested, [] {
      return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
    });
    precision = session.precision_choice();
    m = score_steps(session, pieces);
  } else {
    m = score_model(*loaded.model, pieces);
  }
  NgramEvaluation b = baseline.evaluate(pieces);
  if (b.tokens != m.tokens)
    throw std::logic_error("model and baseline scored different token counts");
  const double n = static_cast<double>(m.tokens);
  const double model_nll = m.nll / n, base_nll = b.mean_nll();
  if (args.flag("--json")) {
    nlohmann::json j = {{"tokens", m.tokens},
                              {"model_nll", model_nll},
                              {"baseline_nll", base_nll},
                              {"model_top1", static_cast<double>(m.top1) / n},
                              {"model_top3", static_cast<double>(m.top3) / n},
                              {"baseline_top1", b.top1_accuracy()}};
    if (precision) j["precision"] = model::precision_name(precision->chosen);
    std::printf("%s\n", j.dump().c_str());
    return kOk;
  }
  std::printf("%s on %s: %zu tokens in %zu pieces%s\n", dir.filename().string().c_str(), data.c_str(), m.tokens,
              pieces.size(), unknown ? (" (" + std::to_string(unknown) + " unknown)").c_str() : "");
  if (precision) std::printf("  inference step at %s\n", precision->reason.c_str());
  std::printf("  %-22s %10s %12s %8s %8s\n", "", "NLL/token", "perplexity", "top-1", "top-3");
  std::printf("  %-22s %10.4f %12.3f %7.2f%% %7.2f%%\n", "model (AWD-LSTM)", model_nll, std::exp(model_nll),
              100.0 * static_cast<double>(m.top1) / n, 100.0 * static_cast<double>(m.top3) / n);
  std::printf("  %-22s %10.4f %12.3f %7.2f%% %8s\n", "baseline (KN 5-gram)", base_nll, std::exp(base_nll),
              100.0 * b.top1_accuracy(), "-");
  std::printf("  model/baseline NLL ratio: %.3f\n", model_nll / base_nll);
  return kOk;
}

OptionSpec options() {
  return OptionSpec{}
      .valued("--model", "NAME|PATH", "a folder under models/, or a model folder (required)")
      .valued("--data", "TOKENS", "token file, one piece a line (required)")
      .flag("--json", "print one JSON object")
      .valued("--threads", "N", "threads (default 0: LibTorch's choice)")
      .valued("--precision", "P",
              "score through the inference step at fp32, int8 or auto (default: the training module, fp32)");
}

}  // namespace

extern const Command eval_lm_command{
    "eval-lm", "held-out NLL, perplexity and accuracy of a model vs its 5-gram baseline",
    "Scores every line of TOKENS (e.g. the test.txt of `clara encode`) as a piece, with the\n"
    "model and with the interpolated Kneser-Ney 5-gram stored in its folder. NLL in nats per\n"
    "token. --json prints one object: tokens, model_nll, baseline_nll, model_top1, model_top3,\n"
    "baseline_top1, and precision with --precision, which scores through clarad's inference step instead of\n"
    "the training module (int8: int8 weights, as clarad --precision int8 plays).\n",
    options(), run};

}  // namespace clara::cli
