#pragma once
// The daemon's hot path: one token per stream in, logits out, no allocation of
// buffers per step. The recurrent state lives outside the session in a plain,
// copyable struct so callers can checkpoint it and roll back (speculative candidates).
// Torch-free header: the weights are copied out of an AwdLstm at construction.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/model/inference/precision.hpp"
#include "core/model/network/awd_lstm_config.hpp"

namespace clara::model {

class AwdLstm;

struct LstmState {
  std::int64_t batch = 0;
  // Per layer, `batch` rows of that layer's width, stream-major.
  std::vector<std::vector<float>> h, c;

  bool operator==(const LstmState&) const = default;
  LstmState stream(std::int64_t b) const;                  // one stream as a batch-1 state
  void set_stream(std::int64_t b, const LstmState& one);   // copy a batch-1 state into row b
};

class InferenceSession {
 public:
  // Copies the weights (evaluation semantics: no dropout). `batch` streams per step.
  // Precision::int8 quantizes the gate matrices and the decoder per row (the embedding
  // stays float); Precision::automatic resolves through choose_precision with `now`
  // (measured at batch 1), and throws std::invalid_argument without one.
  explicit InferenceSession(const AwdLstm& model, std::int64_t batch = 1, Precision precision = Precision::fp32,
                            const MonotonicNanos& now = {});
  ~InferenceSession();
  InferenceSession(InferenceSession&&) noexcept;
  InferenceSession& operator=(InferenceSession&&) noexcept;

  const AwdLstmConfig& config() const;
  std::int64_t batch() const;
  Precision precision() const;                     // fp32 or int8, as chosen
  const PrecisionChoice& precision_choice() const;  // and why
  std::int64_t vocab_size() const { return config().vocab_size; }
  LstmState zero_state() const;

  // Feeds tokens[b] to stream b and advances `state`. Returns batch x V logits,
  // stream-major, valid until the next call; no allocation at either precision. Throws
  // std::invalid_argument on a token outside the vocabulary or a state of the wrong
  // shape (state untouched).
  std::span<const float> step(std::span<const int> tokens, LstmState& state);
  std::span<const float> step(int token, LstmState& state) { return step(std::span<const int>(&token, 1), state); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace clara::model
