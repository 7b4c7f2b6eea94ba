#pragma once
// Best-of-N (issue 14): several continuations of one prompt, each judged by the critic, the
// one it finds most human kept. The critic reads a fixed number of tokens; a candidate is
// judged on the last that many tokens of prompt + candidate, so it is the continuation that
// is judged wherever it is long enough, with the prompt's end as context otherwise.
#include <cstddef>
#include <optional>
#include <vector>

namespace clara {

// The window the critic reads; nullopt when prompt + candidate is shorter than `length`.
std::optional<std::vector<int>> critic_window(const std::vector<int>& prompt, const std::vector<int>& candidate,
                                              std::size_t length);

struct RankedCandidate {
  std::size_t index = 0;
  double human = 0;  // the critic's probability of "human"
};

// Candidates by the critic's "human" probability, highest first; ties keep the lower index.
// `rows` are the critic's class rows (column 0 = human). std::invalid_argument when empty.
std::vector<RankedCandidate> rank_candidates(const std::vector<std::vector<double>>& rows);

}  // namespace clara
