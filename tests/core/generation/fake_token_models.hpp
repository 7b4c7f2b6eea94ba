#pragma once
// Small deterministic TokenModels for the duet engine and session log tests: the engine only
// needs feed/save/restore, so these stand in for the LSTM without torch.
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/generation/token_model.hpp"
#include "core/encoding/vocabulary.hpp"

namespace clara::testing {

// Logits are a hash of the last three tokens and the candidate id, so the output depends on
// the context (a wrong restore or a missed feed changes what comes next) without any training.
class HashModel : public TokenModel {
 public:
  explicit HashModel(std::size_t vocab_size, std::uint64_t salt = 1) : salt_(salt), logits_(vocab_size) {}

  std::size_t vocab_size() const override { return logits_.size(); }
  void reset() override {
    last_ = {-1, -1, -1};
    fed_ = 0;
    std::fill(logits_.begin(), logits_.end(), 0.0f);
  }
  std::span<const float> feed(int token) override {
    if (token < 0 || static_cast<std::size_t>(token) >= logits_.size())
      throw std::invalid_argument("HashModel: token " + std::to_string(token));
    last_ = {last_[1], last_[2], token};
    ++fed_;
    for (std::size_t i = 0; i < logits_.size(); ++i) {
      std::uint64_t h = salt_;
      for (int t : last_) h = mix(h ^ static_cast<std::uint64_t>(t + 7));
      h = mix(h ^ (i * 0x100000001B3ull));
      logits_[i] = static_cast<float>(h % 1000) / 250.0f;
    }
    return logits_;
  }
  struct HashState : State {
    std::array<int, 3> last;
    std::uint64_t fed;
    std::vector<float> logits;
  };
  std::unique_ptr<State> save() const override {
    auto s = std::make_unique<HashState>();
    s->last = last_;
    s->fed = fed_;
    s->logits = logits_;
    return s;
  }
  void restore(const State& state) override {
    auto* s = dynamic_cast<const HashState*>(&state);
    if (!s) throw std::invalid_argument("HashModel: foreign state");
    last_ = s->last;
    fed_ = s->fed;
    logits_ = s->logits;
  }
  std::uint64_t fed() const { return fed_; }

 private:
  static std::uint64_t mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint64_t salt_;
  std::array<int, 3> last_{-1, -1, -1};
  std::uint64_t fed_ = 0;
  std::vector<float> logits_;
};

// The same logits after every token: with arg-max sampling the grammar alone decides what
// comes next, which makes a known pattern (e.g. "p30, then wait1 while it sounds").
class ConstModel : public TokenModel {
 public:
  explicit ConstModel(std::vector<float> logits) : logits_(std::move(logits)) {}
  std::size_t vocab_size() const override { return logits_.size(); }
  void reset() override { fed_ = 0; }
  std::span<const float> feed(int token) override {
    if (token < 0 || static_cast<std::size_t>(token) >= logits_.size())
      throw std::invalid_argument("ConstModel: token " + std::to_string(token));
    ++fed_;
    return logits_;
  }
  struct CountState : State {
    std::uint64_t fed;
  };
  std::unique_ptr<State> save() const override {
    auto s = std::make_unique<CountState>();
    s->fed = fed_;
    return s;
  }
  void restore(const State& state) override {
    auto* s = dynamic_cast<const CountState*>(&state);
    if (!s) throw std::invalid_argument("ConstModel: foreign state");
    fed_ = s->fed;
  }
  std::vector<float>& logits() { return logits_; }

 private:
  std::vector<float> logits_;
  std::uint64_t fed_ = 0;
};

// Logits that favour the given tokens (by name) over everything else, in the order given.
inline std::vector<float> preferring(const Vocabulary& vocab, std::initializer_list<const char*> best) {
  std::vector<float> l(vocab.size(), 0.0f);
  float score = 20.0f;
  for (const char* name : best) {
    if (!vocab.contains(name)) throw std::invalid_argument(std::string("no token ") + name);
    l[static_cast<std::size_t>(vocab.id(name))] = score;
    score -= 1.0f;
  }
  return l;
}

}  // namespace clara::testing
