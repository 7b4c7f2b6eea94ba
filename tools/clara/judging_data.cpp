#include "tools/clara/judging_data.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <random>

#include "core/model/files/model_files.hpp"
#include "core/model/inference/batched_generation.hpp"
#include "tools/clara/cli.hpp"
#include "tools/clara/progress.hpp"

namespace clara::cli {
namespace fs = std::filesystem;

std::vector<GeneratedSample> generate_samples(const GenerationPlan& plan, const std::vector<PieceTokens>& pieces,
                                              const std::vector<ChunkRef>& prompts, const Vocabulary& vocab,
                                              const std::string& label) {
  if (plan.generators.empty()) throw UsageError("no generator models given");
  if (prompts.empty()) throw DataError("no human passage long enough to prompt the generators (" + label + ")");
  std::mt19937_64 rng(plan.seed);
  std::vector<GeneratedSample> out(plan.count);
  // The plan of every sample first, so a sample does not depend on how batches fall.
  for (std::size_t i = 0; i < plan.count; ++i) {
    GeneratedSample& s = out[i];
    const auto& g = plan.generators[i % plan.generators.size()];
    s.generator = g.filename().string();
    const ChunkRef c = prompts[rng() % prompts.size()];
    s.prompt_piece = pieces[c.piece].piece.path;
    s.prompt_offset = c.offset;
    s.tokens = chunk_tokens(pieces, c, plan.prompt_tokens);
    SamplerConfig& sc = s.sampler;
    switch (rng() % 5) {
      case 0: sc.policy = SamplingPolicy::kTopP, sc.top_p = 0.9; break;
      case 1: sc.policy = SamplingPolicy::kTopP, sc.top_p = 0.95; break;
      case 2: sc.policy = SamplingPolicy::kTemperature; break;
      case 3: sc.policy = SamplingPolicy::kTopK, sc.top_k = 8; break;
      default: sc.policy = SamplingPolicy::kSeed, sc.random_freq = std::uniform_real_distribution<double>(0, 1)(rng);
               sc.top_k = 1 + static_cast<int>(rng() % 10);
    }
    sc.temperature = std::round(std::uniform_real_distribution<double>(0.8, 1.2)(rng) * 100) / 100;
    sc.seed = rng();
  }
  Progress progress("generating " + label, plan.count, "samples");
  constexpr std::size_t kBatch = 64;
  for (std::size_t gi = 0; gi < plan.generators.size(); ++gi) {
    model::LoadedModel m;
    try {
      m = model::load_model_folder(plan.generators[gi]);
    } catch (const model::ModelFileError& e) {
      throw DataError(e.what());
    }
    if (!(m.vocab == vocab))
      throw DataError(plan.generators[gi].string() + ": its vocabulary is not the judged generator's");
    std::vector<std::size_t> mine;
    for (std::size_t i = gi; i < plan.count; i += plan.generators.size()) mine.push_back(i);
    for (std::size_t first = 0; first < mine.size(); first += kBatch) {
      std::vector<model::GenerationStream> streams;
      const std::size_t n = std::min(kBatch, mine.size() - first);
      for (std::size_t b = 0; b < n; ++b) streams.push_back({out[mine[first + b]].tokens, out[mine[first + b]].sampler});
      const auto made = model::generate_batch(*m.model, vocab, streams, plan.sample_tokens, GrammarConfig{});
      for (std::size_t b = 0; b < n; ++b) out[mine[first + b]].tokens = made[b];
      progress.advance(n);
    }
  }
  progress.finish();
  return out;
}

void write_generation_manifest(const fs::path& file, const std::string& split,
                               const std::vector<GeneratedSample>& samples) {
  const bool fresh = !fs::exists(file);
  std::ofstream out(file, std::ios::app);
  if (!out) throw std::runtime_error(file.string() + ": cannot write");
  if (fresh)
    out << "split\tindex\tgenerator\tpolicy\ttemperature\ttop_k\ttop_p\trandom_freq\tseed\tprompt_piece\tprompt_offset\n";
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto& s = samples[i];
    out << split << '\t' << i << '\t' << s.generator << '\t' << to_string(s.sampler.policy) << '\t'
        << s.sampler.temperature << '\t' << s.sampler.top_k << '\t' << s.sampler.top_p << '\t'
        << s.sampler.random_freq << '\t' << s.sampler.seed << '\t' << s.prompt_piece << '\t' << s.prompt_offset
        << '\n';
  }
}

}  // namespace clara::cli
