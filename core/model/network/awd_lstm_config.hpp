#pragma once
// Architecture and regularisation sizes of the AWD-LSTM generator. Torch-free so the
// CLI, the model card and the trainer options can talk about a model without LibTorch.
#include <cstdint>
#include <stdexcept>
#include <string>

namespace clara::model {

struct AwdLstmConfig {
  std::int64_t vocab_size = 0;
  std::int64_t emb = 400;     // embedding width = last LSTM layer width (tied decoder)
  std::int64_t hidden = 600;  // width of every LSTM layer but the last
  std::int64_t layers = 4;
  // Dropout probabilities (SPEC §4, multiplier 1).
  double dropoute = 0.02;  // whole embedding rows
  double dropouti = 0.05;  // locked, on the embedded input
  double wdrop = 0.1;      // DropConnect on hidden-to-hidden weights
  double dropouth = 0.05;  // locked, between layers
  double dropout = 0.05;   // locked, on the last layer's output
  double alpha = 2.0;      // AR
  double beta = 1.0;       // TAR

  std::int64_t layer_input(std::int64_t l) const { return l == 0 ? emb : hidden; }
  std::int64_t layer_output(std::int64_t l) const { return l == layers - 1 ? emb : hidden; }

  // Every dropout scaled by `m` (the seed's --dropout multiplier, 0..5).
  AwdLstmConfig with_dropout_multiplier(double m) const {
    if (!(m >= 0.0 && m <= 5.0)) throw std::invalid_argument("dropout multiplier must be in [0, 5]");
    AwdLstmConfig c = *this;
    c.dropoute *= m, c.dropouti *= m, c.wdrop *= m, c.dropouth *= m, c.dropout *= m;
    return c;
  }

  void validate() const {
    if (vocab_size < 4) throw std::invalid_argument("vocabulary size must be at least 4 (3 specials + 1)");
    if (emb < 1 || hidden < 1 || layers < 1)
      throw std::invalid_argument("emb, hidden and layers must be positive");
    for (double p : {dropoute, dropouti, wdrop, dropouth, dropout})
      if (!(p >= 0.0 && p < 1.0)) throw std::invalid_argument("dropout probabilities must be in [0, 1)");
  }

  // "seed" is the published size; "small" fits a CPU training budget; "tiny" is for tests.
  static AwdLstmConfig preset(const std::string& name, std::int64_t vocab_size) {
    AwdLstmConfig c;
    c.vocab_size = vocab_size;
    if (name == "seed") {
      c.emb = 400, c.hidden = 600, c.layers = 4;
    } else if (name == "small") {
      c.emb = 128, c.hidden = 256, c.layers = 2;
    } else if (name == "tiny") {
      c.emb = 16, c.hidden = 24, c.layers = 2;
    } else {
      throw std::invalid_argument("unknown preset '" + name + "' (seed, small, tiny)");
    }
    return c;
  }
};

}  // namespace clara::model
