#include "tools/clara/continuation.hpp"

#include <chrono>
#include <iostream>

#include "core/model/inference/batched_generation.hpp"
#include "core/model/inference/inference_session.hpp"
#include "core/model/files/model_files.hpp"
#include "tools/clara/cli.hpp"
#include "tools/clara/model_access.hpp"

namespace clara::cli {

struct ContinuationModel::Impl {
  model::LoadedModel loaded;
  EncodingSpec spec;
};

ContinuationModel::ContinuationModel(const std::filesystem::path& dir) : impl_(std::make_unique<Impl>()) {
  try {
    impl_->loaded = model::load_model_folder(dir);
  } catch (const model::ModelFileError& e) {
    throw DataError(e.what());
  }
  impl_->spec = spec_of(impl_->loaded.card);
  for (const auto& w : impl_->loaded.card.warnings) std::cerr << "warning: " << w << "\n";
}

const model::ModelCard& ContinuationModel::card() const { return impl_->loaded.card; }

ContinuationModel::~ContinuationModel() = default;

const EncodingSpec& ContinuationModel::spec() const { return impl_->spec; }
const Vocabulary& ContinuationModel::vocab() const { return impl_->loaded.vocab; }

std::vector<std::vector<std::string>> ContinuationModel::run_candidates(const ContinuationRequest& request,
                                                                        std::size_t n) const {
  const Vocabulary& vocab = impl_->loaded.vocab;
  std::vector<model::GenerationStream> streams(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (const auto& t : request.prompt) streams[i].prompt.push_back(vocab.id(t));
    streams[i].sampler = request.sampler;
    streams[i].sampler.seed = request.sampler.seed + i;
  }
  std::vector<std::vector<int>> ids;
  try {
    ids = model::generate_batch(*impl_->loaded.model, vocab, streams, static_cast<std::size_t>(request.length),
                                request.grammar,
                                request.precision == model::Precision::automatic ? model::Precision::fp32
                                                                                 : request.precision);
  } catch (const NoAdmissibleToken& e) {
    throw DataError(std::string("sampling stopped: ") + e.what());
  }
  std::vector<std::vector<std::string>> out;
  for (const auto& c : ids) {
    out.emplace_back();
    for (int id : c) out.back().push_back(vocab.token(id));
  }
  return out;
}

Continuation ContinuationModel::run(const ContinuationRequest& request) const {
  const Vocabulary& vocab = impl_->loaded.vocab;
  Sampler sampler(vocab.size(), request.sampler);
  std::optional<NoteGrammar> grammar;
  if (request.grammar) grammar.emplace(vocab, *request.grammar);

  model::StepModel step;
  try {
    step = model::make_step_model(*impl_->loaded.model, request.device, request.precision, [] {
      return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
    });
  } catch (const model::DeviceUnavailable& e) {
    throw UsageError(std::string("--device cuda: ") + e.what() + "; use --device cpu or auto");
  }
  TokenModel& lm = *step.lm;
  Continuation out;
  out.precision = step.precision;
  out.device = step.device;
  std::span<const float> logits = lm.feed(Vocabulary::kEos);
  for (const auto& t : request.prompt) {
    int id = vocab.id(t);
    out.unknown_prompt_tokens += id == Vocabulary::kUnk;
    if (grammar) grammar->observe(id);
    logits = lm.feed(id);
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < request.length; ++i) {
    int id;
    try {
      id = sampler.sample(logits, grammar ? &*grammar : nullptr);
    } catch (const NoAdmissibleToken& e) {
      throw DataError("sampling stopped after " + std::to_string(i) + " tokens: " + e.what());
    }
    if (id == Vocabulary::kEos) {
      out.ended = true;
      break;
    }
    out.tokens.push_back(vocab.token(id));
    if (grammar) grammar->observe(id);
    logits = lm.feed(id);
  }
  if (!out.tokens.empty())
    out.seconds_per_step = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() /
                           static_cast<double>(out.tokens.size());
  return out;
}

}  // namespace clara::cli
