#include "core/model/inference/lstm_token_model.hpp"

#include <algorithm>
#include <stdexcept>

namespace clara::model {
namespace {

struct LstmSnapshot : TokenModel::State {
  LstmState state;
  std::vector<float> logits;
};

}  // namespace

LstmTokenModel::LstmTokenModel(const AwdLstm& model, Precision precision, const MonotonicNanos& now)
    : session_(model, 1, precision, now),
      state_(session_.zero_state()),
      logits_(static_cast<std::size_t>(session_.vocab_size()), 0.0f) {}

std::size_t LstmTokenModel::vocab_size() const { return logits_.size(); }

void LstmTokenModel::reset() {
  state_ = session_.zero_state();
  std::fill(logits_.begin(), logits_.end(), 0.0f);
}

std::span<const float> LstmTokenModel::feed(int token) {
  auto out = session_.step(token, state_);
  // The session's buffer is overwritten by the next step; the engine keeps the
  // logits of the committed point across restore, so they live here.
  std::copy(out.begin(), out.end(), logits_.begin());
  return logits_;
}

std::unique_ptr<TokenModel::State> LstmTokenModel::save() const {
  auto s = std::make_unique<LstmSnapshot>();
  s->state = state_;
  s->logits = logits_;
  return s;
}

void LstmTokenModel::restore(const State& state) {
  const auto* s = dynamic_cast<const LstmSnapshot*>(&state);
  if (s == nullptr || s->logits.size() != logits_.size() || s->state.h.size() != state_.h.size())
    throw std::invalid_argument("LstmTokenModel::restore: state saved by another model");
  state_ = s->state;
  logits_ = s->logits;
}

}  // namespace clara::model
