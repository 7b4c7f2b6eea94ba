#pragma once
// The composer classifier's baseline (issue 14): multinomial logistic regression on a
// passage's pitch-class histogram and note statistics (core/evaluation/style_features),
// standardised, with an L2 penalty, fitted full-batch on the same training samples as the
// network. What the LSTM must beat to show it hears more than pitch content and texture.
// Torch-free header; fitting uses LibTorch, prediction plain arithmetic.
#include <cstdint>
#include <vector>

namespace clara::model {

class FeatureClassifier {
 public:
  // x: one row of features per sample; y: class indices in [0, classes).
  void fit(const std::vector<std::vector<double>>& x, const std::vector<int>& y, int classes,
           std::uint64_t seed = 0, double l2 = 1e-3, int iterations = 600);
  std::vector<std::vector<double>> probabilities(const std::vector<std::vector<double>>& x) const;
  int classes() const { return classes_; }

 private:
  int classes_ = 0;
  std::vector<double> mean_, scale_;
  std::vector<std::vector<double>> weights_;  // [class][feature + 1], bias last
};

}  // namespace clara::model
