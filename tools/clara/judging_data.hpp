#pragma once
// The generated samples the critic trains and is tested on: a fixed length from several
// generators, temperatures and policies, seeded, each recorded in a manifest row. (The human
// side, the labelled corpus, is labelled_corpus.hpp.)
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/encoding/encoding_spec.hpp"
#include "core/encoding/vocabulary.hpp"
#include "core/evaluation/classifier_data.hpp"
#include "tools/clara/labelled_corpus.hpp"
#include "core/generation/sampler.hpp"

namespace clara::cli {

// One generated sample and how it was made.
struct GeneratedSample {
  std::string generator;  // model name
  SamplerConfig sampler;
  std::string prompt_piece;  // the human piece its prompt came from
  std::size_t prompt_offset = 0;
  std::vector<int> tokens;  // sample_tokens long, ids of the generator's vocabulary
};

struct GenerationPlan {
  std::vector<std::filesystem::path> generators;  // model folders (same vocabulary)
  std::size_t count = 0;                         // samples in all
  std::size_t prompt_tokens = 64;
  std::size_t sample_tokens = 512;
  std::uint64_t seed = 0;
};

// `count` samples, cycling through the generators; each sample's prompt is the first
// prompt_tokens of a chunk drawn from `prompts` (ChunkRefs into `pieces`, the split the
// samples are for), its policy and temperature drawn from the seed: top-p 0.9 / 0.95,
// plain temperature, top-k 8, or the seed's policy, at temperature 0.8 .. 1.2.
std::vector<GeneratedSample> generate_samples(const GenerationPlan& plan, const std::vector<PieceTokens>& pieces,
                                              const std::vector<ChunkRef>& prompts, const Vocabulary& vocab,
                                              const std::string& label);

// Appends one TSV row per sample (split, index, generator, policy, temperature, top_k,
// top_p, random_freq, seed, prompt piece, prompt offset); writes the header first when the
// file is new.
void write_generation_manifest(const std::filesystem::path& file, const std::string& split,
                               const std::vector<GeneratedSample>& samples);

}  // namespace clara::cli
