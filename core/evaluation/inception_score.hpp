#pragma once
// The musical inception score (SPEC.md §6): a classifier's class distribution p(y|x) for each
// sample x; the score is exp(mean over x of KL(p(y|x) || p(y))), p(y) the mean of the rows.
// It is high when each sample is confidently one class (sharp rows) and the samples spread
// over the classes (flat mean): 1 for identical rows, the number of classes for one-hot
// rows that use every class equally. Natural logarithms; 0 log 0 = 0.
#include <cstddef>
#include <span>
#include <vector>

#include "core/evaluation/bootstrap.hpp"

namespace clara {

// One row per sample, one column per class; each row a distribution.
using ProbabilityRows = std::vector<std::vector<double>>;

// Throws std::invalid_argument naming the row (1-based) and column when the rows are empty,
// of different lengths, hold a negative or non-finite value, or do not sum to 1 within 1e-6.
void validate_probability_rows(const ProbabilityRows& rows);

// The score of the rows picked by `pick` (repeats allowed), p(y) their mean: what a
// bootstrap resample scores. Rows are not validated here.
double inception_score(const ProbabilityRows& rows, std::span<const std::size_t> pick);
// The score of all rows; validates them first.
double inception_score(const ProbabilityRows& rows);

struct InceptionScore {
  double score = 0;
  Interval interval;  // percentile bootstrap over samples
  std::size_t samples = 0;
  BootstrapOptions bootstrap;
};
InceptionScore inception_score_with_interval(const ProbabilityRows& rows,
                                             const BootstrapOptions& options);

}  // namespace clara
