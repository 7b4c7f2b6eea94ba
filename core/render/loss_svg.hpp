#pragma once
// A loss curve as a standalone SVG (train and validation loss against tokens seen),
// drawn by hand so training needs no plotting library.
#include <string>
#include <vector>

namespace clara::model {

struct LossPoint {
  double tokens = 0;
  double loss = 0;
};

std::string loss_curve_svg(const std::vector<LossPoint>& train, const std::vector<LossPoint>& valid);

}  // namespace clara::model
