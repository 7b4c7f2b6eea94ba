#pragma once
// What the duet engine needs from a language model: feed one token, read the
// logits for the next, and save/restore the recurrent state so a speculative
// tail can be thrown away when the human plays. core/ stays torch-free: the
// LSTM adapter lives in core/model/, tests use small deterministic models.
#include <cstddef>
#include <memory>
#include <span>

namespace clara {

class TokenModel {
 public:
  // Opaque copy of the state (including the logits of the last feed).
  struct State {
    virtual ~State() = default;
  };

  virtual ~TokenModel() = default;
  virtual std::size_t vocab_size() const = 0;
  // Back to the state before any token; callers then feed <eos>.
  virtual void reset() = 0;
  // Advances by one token id; returns vocab_size() logits for the next token,
  // valid until the next call. Throws std::invalid_argument for an id outside
  // the vocabulary (state untouched).
  virtual std::span<const float> feed(int token) = 0;
  virtual std::unique_ptr<State> save() const = 0;
  // Throws std::invalid_argument for a state saved by another kind of model.
  virtual void restore(const State& state) = 0;
};

}  // namespace clara
