#pragma once
// The duet-coherence experiment (issue 14), torch-free so that `clara coherence` and
// `clara evaluate` share it: for each held-out piece, the phrase is its first
// phrase_beats beats; Clara answers it through the duet engine in answer mode
// (duet_answer.hpp); her answer, the human's true continuation (the next answer_beats
// beats of the piece) and a random passage as long from another of the pieces are scored
// against the phrase (core/evaluation/duet_coherence.hpp). Deterministic for a seed.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/encoding/encoding_spec.hpp"
#include "core/encoding/vocabulary.hpp"
#include "core/evaluation/duet_coherence.hpp"
#include "core/generation/sampler.hpp"
#include "core/generation/token_model.hpp"

namespace clara::cli {

struct CoherenceOptions {
  double phrase_beats = 16;
  double answer_beats = 0;  // 0: as long as the phrase
  std::size_t samples = 0;  // phrases at most; 0 = every eligible piece
  std::uint64_t seed = 0;   // Clara's sampling (seed + phrase index) and the random passages
  SamplerConfig sampler;    // clarad's defaults; its seed is replaced per phrase
  BootstrapOptions bootstrap;
};

struct CoherenceRow {
  std::string piece;  // as given (relative to the corpus)
  int beats_per_bar = 4;
  CoherenceScores clara, human, random;
  std::string random_piece;
  double random_offset = 0;  // beats
  double clara_start_beats = -1;
  std::size_t clara_inside_phrase = 0;
};

struct CoherenceResult {
  std::vector<CoherenceRow> rows;
  CoherenceSummary clara, human, random;
  double phrase_density = 0;  // mean over phrases, notes per beat
  std::size_t pieces_read = 0, pieces_too_short = 0, pieces_unreadable = 0;
  std::vector<std::string> unreadable;  // "path: reason"
};

// `pieces` are MIDI files with the names to report them by. `progress` is called once a
// phrase. Throws DataError when no piece is long enough (phrase + answer).
CoherenceResult run_coherence(TokenModel& model, const Vocabulary& vocab, const EncodingSpec& spec,
                              const std::vector<std::filesystem::path>& files,
                              const std::vector<std::string>& names,
                              const CoherenceOptions& options,
                              const std::function<void()>& progress = {});

nlohmann::json to_json(const CoherenceResult& result);
// The three-column table `clara coherence` prints.
std::string format_table(const CoherenceResult& result);

}  // namespace clara::cli
