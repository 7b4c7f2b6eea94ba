#pragma once
// The seed's learning-rate schedule (SPEC §4; fastai 0.7 CircularLR with
// use_clr=(32, 10)): each stage is one triangle that rises linearly from peak/32 to
// peak over the first 1/10 of its iterations and falls linearly back to peak/32.
#include <cstdint>
#include <vector>

namespace clara::model {

struct LrSchedule {
  std::vector<double> peaks{3e-3, 3e-4, 3e-6, 3e-8};  // one triangle per stage
  double div = 32.0;
  double rise_fraction = 0.1;

  // LR at `iteration` (0-based) of a stage expected to last `stage_iterations`
  // iterations; past the end it stays at peak/div (epochs have random lengths).
  double at(std::size_t stage, std::int64_t iteration, std::int64_t stage_iterations) const;
};

}  // namespace clara::model
