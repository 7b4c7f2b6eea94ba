#include "core/evaluation/candidate_ranking.hpp"

#include <algorithm>
#include <stdexcept>

namespace clara {

std::optional<std::vector<int>> critic_window(const std::vector<int>& prompt, const std::vector<int>& candidate,
                                              std::size_t length) {
  if (prompt.size() + candidate.size() < length) return std::nullopt;
  std::vector<int> w;
  w.reserve(length);
  const std::size_t from_prompt = candidate.size() >= length ? 0 : length - candidate.size();
  w.insert(w.end(), prompt.end() - static_cast<std::ptrdiff_t>(from_prompt), prompt.end());
  w.insert(w.end(), candidate.end() - static_cast<std::ptrdiff_t>(length - from_prompt), candidate.end());
  return w;
}

std::vector<RankedCandidate> rank_candidates(const std::vector<std::vector<double>>& rows) {
  if (rows.empty()) throw std::invalid_argument("no candidates to rank");
  std::vector<RankedCandidate> r;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].empty()) throw std::invalid_argument("candidate " + std::to_string(i + 1) + " has no critic row");
    r.push_back({i, rows[i][0]});
  }
  std::stable_sort(r.begin(), r.end(), [](const RankedCandidate& a, const RankedCandidate& b) { return a.human > b.human; });
  return r;
}

}  // namespace clara
