#include "core/evaluation/inception_score.hpp"

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace clara {

void validate_probability_rows(const ProbabilityRows& rows) {
  if (rows.empty()) throw std::invalid_argument("inception score: no samples");
  const std::size_t classes = rows.front().size();
  if (classes == 0) throw std::invalid_argument("inception score: row 1 has no classes");
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const std::string where = "inception score: row " + std::to_string(r + 1);
    if (rows[r].size() != classes)
      throw std::invalid_argument(where + " has " + std::to_string(rows[r].size()) +
                                  " classes, row 1 has " + std::to_string(classes));
    double sum = 0;
    for (std::size_t c = 0; c < classes; ++c) {
      const double v = rows[r][c];
      if (!std::isfinite(v) || v < 0)
        throw std::invalid_argument(where + ", column " + std::to_string(c + 1) + ": " +
                                    std::to_string(v) + " is not a probability");
      sum += v;
    }
    if (std::abs(sum - 1) > 1e-6)
      throw std::invalid_argument(where + " sums to " + std::to_string(sum) + ", not 1");
  }
}

double inception_score(const ProbabilityRows& rows, std::span<const std::size_t> pick) {
  const std::size_t classes = rows.front().size();
  std::vector<double> marginal(classes, 0.0);
  for (std::size_t i : pick)
    for (std::size_t c = 0; c < classes; ++c) marginal[c] += rows[i][c];
  for (double& m : marginal) m /= static_cast<double>(pick.size());
  double kl_sum = 0;
  for (std::size_t i : pick)
    for (std::size_t c = 0; c < classes; ++c) {
      const double p = rows[i][c];
      if (p > 0) kl_sum += p * std::log(p / marginal[c]);  // marginal[c] >= p / n > 0
    }
  return std::exp(kl_sum / static_cast<double>(pick.size()));
}

double inception_score(const ProbabilityRows& rows) {
  validate_probability_rows(rows);
  std::vector<std::size_t> all(rows.size());
  std::iota(all.begin(), all.end(), std::size_t{0});
  return inception_score(rows, all);
}

InceptionScore inception_score_with_interval(const ProbabilityRows& rows,
                                             const BootstrapOptions& options) {
  InceptionScore out;
  out.score = inception_score(rows);
  out.samples = rows.size();
  out.bootstrap = options;
  out.interval = bootstrap_interval(
      rows.size(), [&](std::span<const std::size_t> pick) { return inception_score(rows, pick); },
      options);
  return out;
}

}  // namespace clara
