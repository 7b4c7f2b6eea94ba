#pragma once
// Continuing a token prompt with a model folder: prime with <eos> + prompt, then
// sample one token per inference step under the guard rails. Shared by
// `clara generate` and `clara demo`. Torch-free header.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/encoding/encoding_spec.hpp"
#include "core/encoding/vocabulary.hpp"
#include "core/generation/note_grammar.hpp"
#include "core/generation/sampler.hpp"
#include "core/model/files/model_card.hpp"
#include "core/model/inference/device.hpp"
#include "core/model/inference/precision.hpp"

namespace clara::cli {

struct ContinuationRequest {
  std::vector<std::string> prompt;
  long length = 500;
  SamplerConfig sampler;
  std::optional<GrammarConfig> grammar;  // nullopt: raw model output
  model::Precision precision = model::Precision::fp32;  // automatic: measured at the start of run()
  // run() only: automatic measures the step at batch 1 on each device at its start; cuda
  // where there is none throws UsageError. run_candidates always runs Clara's batched CPU step.
  model::Device device = model::Device::cpu;
};

struct Continuation {
  std::vector<std::string> tokens;  // the continuation only
  std::size_t unknown_prompt_tokens = 0;
  bool ended = false;               // the model emitted <eos>
  double seconds_per_step = 0;      // mean inference step + sampling time
  model::PrecisionChoice precision;  // what ran, and why
  model::DeviceChoice device;        // where it ran, and why
};

// Loads (and verifies) a model folder; DataError naming the file when it is bad. The card's
// warnings (e.g. a nan metric) go to stderr.
class ContinuationModel {
 public:
  explicit ContinuationModel(const std::filesystem::path& model_dir);
  ~ContinuationModel();
  const EncodingSpec& spec() const;
  const model::ModelCard& card() const;
  Continuation run(const ContinuationRequest& request) const;
  // `n` continuations at once through the batched step, stream i seeded request.sampler.seed + i;
  // <eos> is never drawn, so each is exactly request.length tokens.
  std::vector<std::vector<std::string>> run_candidates(const ContinuationRequest& request, std::size_t n) const;
  const Vocabulary& vocab() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace clara::cli
