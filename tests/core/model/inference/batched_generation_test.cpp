#include "core/model/inference/batched_generation.hpp"

#include <gtest/gtest.h>

#include "core/encoding/notewise_codec.hpp"
#include "core/model/network/awd_lstm.hpp"

namespace clara::model {
namespace {

TEST(GenerateBatch, ExactLengthNoEosDeterministicAndIndependentOfTheBatch) {
  EncodingSpec spec;
  const Vocabulary vocab = notewise_vocabulary(spec);
  torch::manual_seed(11);
  AwdLstm model(AwdLstmConfig::preset("tiny", static_cast<std::int64_t>(vocab.size())));
  model.eval();
  const std::vector<int> prompt{vocab.id("p30"), vocab.id("wait4"), vocab.id("endp30"), vocab.id("wait2")};
  auto stream = [&](std::uint64_t seed, SamplingPolicy policy) {
    GenerationStream s;
    s.prompt = prompt;
    s.sampler.policy = policy;
    s.sampler.temperature = 2.0;  // a random model: make <eos> likely if it were allowed
    s.sampler.seed = seed;
    return s;
  };
  const std::vector<GenerationStream> three{stream(1, SamplingPolicy::kTemperature), stream(2, SamplingPolicy::kTopP),
                                            stream(3, SamplingPolicy::kTemperature)};
  const auto a = generate_batch(model, vocab, three, 200, GrammarConfig{});
  ASSERT_EQ(a.size(), 3u);
  for (const auto& s : a) {
    ASSERT_EQ(s.size(), 200u);
    for (int id : s) EXPECT_NE(id, Vocabulary::kEos);
  }
  EXPECT_NE(a[0], a[2]);
  EXPECT_EQ(generate_batch(model, vocab, three, 200, GrammarConfig{}), a);
  // A stream alone draws what it drew beside others.
  const auto alone = generate_batch(model, vocab, {three[2]}, 200, GrammarConfig{});
  EXPECT_EQ(alone[0], a[2]);
  // The grammar holds: no end of a note that is not sounding.
  NoteGrammar g(vocab, GrammarConfig{});
  for (int id : prompt) g.observe(id);
  for (int id : a[0]) {
    std::vector<double> logits(vocab.size(), 0.0);
    g.constrain(logits);
    EXPECT_GT(logits[static_cast<std::size_t>(id)], -1e300) << vocab.token(id);
    g.observe(id);
  }
  EXPECT_THROW(generate_batch(model, vocab, {stream(1, SamplingPolicy::kTopP), GenerationStream{{3}, {}}}, 5,
                              GrammarConfig{}),
               std::invalid_argument);
}

}  // namespace
}  // namespace clara::model
