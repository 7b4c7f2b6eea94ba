#pragma once
// Held-out scores of a generator, shared by `clara eval-lm` and `clara evaluate`: each
// piece scored from <eos> through its closing <eos>, NLL in nats and top-1/top-3 hits.
#include <cstddef>
#include <vector>

namespace clara::model {
class AwdLstm;
class InferenceSession;
}  // namespace clara::model

namespace clara::cli {

struct LmScore {
  std::size_t tokens = 0, top1 = 0, top3 = 0;
  double nll = 0;
};

// LibTorch's intra-op threads (for tools that do not include its headers).
void set_torch_threads(int threads);

// Through the training module (fp32, whole pieces at once).
LmScore score_model(model::AwdLstm& lstm, const std::vector<std::vector<int>>& pieces);
// Through the inference step, token by token, as clarad runs it.
LmScore score_steps(model::InferenceSession& session, const std::vector<std::vector<int>>& pieces);

}  // namespace clara::cli
