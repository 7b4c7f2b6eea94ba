#include "core/model/classifier/feature_baseline.hpp"

#include <torch/torch.h>

#include <cmath>
#include <stdexcept>

namespace clara::model {

void FeatureClassifier::fit(const std::vector<std::vector<double>>& x, const std::vector<int>& y, int classes,
                            std::uint64_t seed, double l2, int iterations) {
  if (x.empty() || x.size() != y.size()) throw std::invalid_argument("FeatureClassifier::fit: no samples, or x and y differ");
  if (classes < 2) throw std::invalid_argument("FeatureClassifier::fit: at least 2 classes");
  const std::size_t n = x.size(), d = x.front().size();
  mean_.assign(d, 0);
  scale_.assign(d, 0);
  for (const auto& r : x) {
    if (r.size() != d) throw std::invalid_argument("FeatureClassifier::fit: rows of different lengths");
    for (std::size_t j = 0; j < d; ++j) mean_[j] += r[j] / static_cast<double>(n);
  }
  for (const auto& r : x)
    for (std::size_t j = 0; j < d; ++j) scale_[j] += (r[j] - mean_[j]) * (r[j] - mean_[j]) / static_cast<double>(n);
  for (auto& s : scale_) s = s > 1e-12 ? std::sqrt(s) : 1.0;
  std::vector<float> flat(n * d);
  std::vector<std::int64_t> labels(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < d; ++j) flat[i * d + j] = static_cast<float>((x[i][j] - mean_[j]) / scale_[j]);
    if (y[i] < 0 || y[i] >= classes) throw std::invalid_argument("FeatureClassifier::fit: label out of range");
    labels[i] = y[i];
  }
  torch::manual_seed(seed);
  auto X = torch::from_blob(flat.data(), {static_cast<std::int64_t>(n), static_cast<std::int64_t>(d)}).clone();
  auto Y = torch::from_blob(labels.data(), {static_cast<std::int64_t>(n)}, torch::kInt64).clone();
  auto W = torch::zeros({static_cast<std::int64_t>(d), classes}, torch::requires_grad());
  auto b = torch::zeros({classes}, torch::requires_grad());
  torch::optim::Adam opt({W, b}, torch::optim::AdamOptions(0.05));
  for (int it = 0; it < iterations; ++it) {
    opt.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(X.matmul(W) + b, Y) + l2 * W.pow(2).sum();
    loss.backward();
    opt.step();
  }
  classes_ = classes;
  weights_.assign(static_cast<std::size_t>(classes), std::vector<double>(d + 1));
  const torch::Tensor Wd = W.detach(), bd = b.detach();
  auto Wa = Wd.accessor<float, 2>();
  auto ba = bd.accessor<float, 1>();
  for (int c = 0; c < classes; ++c) {
    for (std::size_t j = 0; j < d; ++j) weights_[static_cast<std::size_t>(c)][j] = Wa[static_cast<std::int64_t>(j)][c];
    weights_[static_cast<std::size_t>(c)][d] = ba[c];
  }
}

std::vector<std::vector<double>> FeatureClassifier::probabilities(const std::vector<std::vector<double>>& x) const {
  if (classes_ == 0) throw std::logic_error("FeatureClassifier: not fitted");
  std::vector<std::vector<double>> out;
  const std::size_t d = mean_.size();
  for (const auto& r : x) {
    if (r.size() != d) throw std::invalid_argument("FeatureClassifier: a row of the wrong length");
    std::vector<double> z(static_cast<std::size_t>(classes_));
    double top = -INFINITY;
    for (int c = 0; c < classes_; ++c) {
      const auto& w = weights_[static_cast<std::size_t>(c)];
      double s = w[d];
      for (std::size_t j = 0; j < d; ++j) s += w[j] * (r[j] - mean_[j]) / scale_[j];
      z[static_cast<std::size_t>(c)] = s;
      top = std::max(top, s);
    }
    double sum = 0;
    for (auto& v : z) sum += (v = std::exp(v - top));
    for (auto& v : z) v /= sum;
    out.push_back(std::move(z));
  }
  return out;
}

}  // namespace clara::model
