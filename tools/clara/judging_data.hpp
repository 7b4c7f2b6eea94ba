#pragma once
// The data the judging models train and are tested on, shared by `clara train-composer`,
// `clara train-critic` and `clara evaluate`: the corpus pieces with their composer (their
// folder) and the split the generator's data manifest gave them, encoded with the
// generator's spec; and generated samples of a fixed length from several generators,
// temperatures and policies, seeded, each recorded in a manifest row.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/encoding/encoding_spec.hpp"
#include "core/encoding/vocabulary.hpp"
#include "core/evaluation/classifier_data.hpp"
#include "core/generation/sampler.hpp"

namespace clara::cli {

struct LabelledCorpus {
  std::vector<LabelledPiece> pieces;  // sorted by path
  std::string source;                 // where the split came from, for reports and cards
};

// With the generator folder's data-manifest.toml: its pieces, their split, and the composer
// it names (each file checked against its sha256 when read). Without: every .mid/.midi under
// `corpus` that reads and quantises, split as `clara encode --corpus` does by default, the
// composer being the first folder of its path.
LabelledCorpus labelled_corpus(const std::filesystem::path& corpus, const std::filesystem::path& generator_dir,
                               const EncodingSpec& spec);

// Encodes `pieces` (train pieces in 12 keys, held-out ones in their own) on `threads`
// threads, with a progress bar. Pieces that fail are reported on stderr and left out.
std::vector<PieceTokens> encode_pieces(const std::filesystem::path& corpus, const std::vector<LabelledPiece>& pieces,
                                       const EncodingSpec& spec, const Vocabulary& vocab, int threads);

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
  int threads = 0;
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
