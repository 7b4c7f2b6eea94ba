#include "tools/clara/lm_score.hpp"

#include <torch/torch.h>

#include <cmath>

#include "core/encoding/vocabulary.hpp"
#include "core/model/inference/inference_session.hpp"
#include "core/model/network/awd_lstm.hpp"

namespace clara::cli {

void set_torch_threads(int threads) { torch::set_num_threads(threads); }

LmScore score_model(model::AwdLstm& lstm, const std::vector<std::vector<int>>& pieces) {
  torch::InferenceMode guard;
  lstm.eval();
  LmScore s;
  for (const auto& piece : pieces) {
    std::vector<std::int64_t> in{Vocabulary::kEos}, target;
    for (int id : piece) in.push_back(id), target.push_back(id);
    target.push_back(Vocabulary::kEos);
    const auto T = static_cast<std::int64_t>(target.size());
    auto x = torch::tensor(in, torch::kLong).view({T, 1});
    auto y = torch::tensor(target, torch::kLong);
    auto logits = lstm.forward(x, lstm.init_hidden(1)).logits.view({T, -1});
    auto logp = torch::log_softmax(logits, 1);
    s.nll -= logp.gather(1, y.view({T, 1})).sum().item<double>();
    auto top = std::get<1>(logp.topk(3, 1));
    auto hit = top.eq(y.view({T, 1}));
    s.top1 += static_cast<std::size_t>(hit.select(1, 0).sum().item<std::int64_t>());
    s.top3 += static_cast<std::size_t>(hit.any(1).sum().item<std::int64_t>());
    s.tokens += static_cast<std::size_t>(T);
  }
  return s;
}

// The same scores through the inference step, token by token.
LmScore score_steps(model::InferenceSession& session, const std::vector<std::vector<int>>& pieces) {
  LmScore s;
  for (const auto& piece : pieces) {
    auto state = session.zero_state();
    int input = Vocabulary::kEos;
    for (std::size_t i = 0; i <= piece.size(); ++i) {
      const int target = i < piece.size() ? piece[i] : Vocabulary::kEos;
      const auto logits = session.step(input, state);
      double mx = -INFINITY;
      for (float v : logits) mx = std::max(mx, static_cast<double>(v));
      double sum = 0;
      std::size_t above = 0;  // logits strictly above the target's: its rank
      for (float v : logits) {
        sum += std::exp(static_cast<double>(v) - mx);
        above += v > logits[static_cast<std::size_t>(target)];
      }
      s.nll -= static_cast<double>(logits[static_cast<std::size_t>(target)]) - mx - std::log(sum);
      s.top1 += above < 1;
      s.top3 += above < 3;
      ++s.tokens;
      input = target;
    }
  }
  return s;
}

}  // namespace clara::cli
