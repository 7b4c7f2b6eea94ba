#include "core/model/files/model_card.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/model/files/card_sampling.hpp"

namespace clara::model {
namespace {

ModelCard minimal() {
  ModelCard c;
  c.name = "unit";
  c.encoding = "notewise";
  c.sample_freq = 12;
  c.note_low = 33;
  c.note_high = 94;
  c.architecture = AwdLstmConfig::preset("tiny", 100);
  return c;
}

// The card as written before [sampling] existed (format_version 1, no sampling table).
const char* kOldCard = R"(format_version = 1
name = 'old'
[architecture]
type = 'awd-lstm'
vocab_size = 100
emb = 16
hidden = 24
layers = 2
[data]
encoding = 'notewise'
sample_freq = 12
note_low = 33
note_high = 94
vocabulary = 'vocab.txt'
[metrics]
valid_loss = 1.5
)";

std::string with_sampling(const std::string& body) { return std::string(kOldCard) + "[sampling]\n" + body; }

std::string parse_error(const std::string& text) {
  try {
    ModelCard::parse(text, "model.toml");
  } catch (const ModelFileError& e) {
    return e.what();
  }
  return "";
}

TEST(ModelCard, ACardWithoutSamplingStillLoadsAndLeavesTheBuiltInSampler) {
  const ModelCard c = ModelCard::parse(kOldCard, "model.toml");
  EXPECT_TRUE(c.sampling.empty());
  EXPECT_TRUE(c.warnings.empty());
  SamplerConfig s;
  s.top_k = 3;
  apply_card_sampling(c.sampling, {}, s);
  EXPECT_EQ(s, [] {
    SamplerConfig d;
    d.top_k = 3;
    return d;
  }());
}

TEST(ModelCard, SamplingRoundTrips) {
  ModelCard c = minimal();
  c.sampling.policy = SamplingPolicy::kTopP;
  c.sampling.temperature = 0.8;
  c.sampling.top_p = 0.95;
  c.sampling.key_keeping = 2.25;
  const std::string text = c.to_toml();
  EXPECT_NE(text.find("[sampling]"), std::string::npos) << text;
  const ModelCard back = ModelCard::parse(text, "model.toml");
  EXPECT_EQ(back.sampling.policy, SamplingPolicy::kTopP);
  EXPECT_EQ(back.sampling.temperature, 0.8);
  EXPECT_EQ(back.sampling.top_p, 0.95);
  EXPECT_EQ(back.sampling.key_keeping, 2.25);
  EXPECT_FALSE(back.sampling.top_k);
  EXPECT_FALSE(back.sampling.random_freq);
}

TEST(ModelCard, NoSamplingTableIsWrittenWhenTheCardHasNone) {
  EXPECT_EQ(minimal().to_toml().find("sampling"), std::string::npos);
}

TEST(ModelCard, CardSamplingOverridesBuiltInsButNotWhatTheUserGave) {
  CardSampling card;
  card.policy = SamplingPolicy::kTopK;
  card.top_k = 10;
  card.temperature = 0.9;
  SamplerConfig s;  // built-in: seed policy, top_k 5, temperature 1
  SamplerKeysGiven given;
  given.temperature = true;
  s.temperature = 1.3;  // the user's
  apply_card_sampling(card, given, s);
  EXPECT_EQ(s.policy, SamplingPolicy::kTopK);
  EXPECT_EQ(s.top_k, 10);
  EXPECT_EQ(s.temperature, 1.3);
  EXPECT_EQ(s.top_p, SamplerConfig{}.top_p);
  // key_keeping likewise: the card's unless the user gave one.
  card.key_keeping = 3.0;
  SamplerConfig t;
  apply_card_sampling(card, {}, t);
  EXPECT_EQ(t.key_keeping, 3.0);
  SamplerKeysGiven keep;
  keep.key_keeping = true;
  t.key_keeping = 0.0;  // the user turned it off
  apply_card_sampling(card, keep, t);
  EXPECT_EQ(t.key_keeping, 0.0);
}

TEST(ModelCard, BadSamplingValuesAreNamedWithTheirRange) {
  EXPECT_NE(parse_error(with_sampling("policy = 'greedy'\n")).find("sampling.policy 'greedy'"), std::string::npos);
  EXPECT_NE(parse_error(with_sampling("temperature = 0.0\n")).find("sampling.temperature 0: must be in [0.05, 5]"),
            std::string::npos)
      << parse_error(with_sampling("temperature = 0.0\n"));
  EXPECT_NE(parse_error(with_sampling("top_p = 0.0\n")).find("sampling.top_p 0: must be in (0, 1]"),
            std::string::npos);
  EXPECT_NE(parse_error(with_sampling("random_freq = 1.5\n")).find("sampling.random_freq"), std::string::npos);
  EXPECT_NE(parse_error(with_sampling("key_keeping = -1.0\n")).find("sampling.key_keeping -1: must be in [0, 16]"),
            std::string::npos)
      << parse_error(with_sampling("key_keeping = -1.0\n"));
  EXPECT_NE(parse_error(with_sampling("key_keeping = 20.0\n")).find("sampling.key_keeping 20: must be in [0, 16]"),
            std::string::npos);
  EXPECT_NE(parse_error(with_sampling("key_keeping = 'on'\n")).find("sampling.key_keeping' must be a number"),
            std::string::npos);
  EXPECT_NE(parse_error(with_sampling("top_k = 0\n")).find("sampling.top_k 0"), std::string::npos);
  EXPECT_NE(parse_error(with_sampling("top_k = 2.5\n")).find("sampling.top_k' must be an integer"),
            std::string::npos);
  EXPECT_NE(parse_error(with_sampling("temprature = 1.0\n")).find("unknown key 'sampling.temprature'"),
            std::string::npos);
}

TEST(ModelCard, AnUnmeasuredLossIsNeverWrittenAsNan) {
  ModelCard c = minimal();  // valid_loss and valid_accuracy stay NaN: no validation data
  const std::string text = c.to_toml();
  EXPECT_EQ(text.find("nan"), std::string::npos) << text;
  EXPECT_EQ(text.find("valid_loss"), std::string::npos) << text;
  const ModelCard back = ModelCard::parse(text, "model.toml");
  EXPECT_TRUE(std::isnan(back.valid_loss));
  EXPECT_TRUE(back.warnings.empty());
  c.valid_loss = 2.25;
  EXPECT_NE(c.to_toml().find("valid_loss = 2.25"), std::string::npos);
}

TEST(ModelCard, ACardHoldingNanLoadsAsNotMeasuredAndSaysSo) {
  std::string text = kOldCard;
  text.replace(text.find("valid_loss = 1.5"), 16, "valid_loss = nan");
  const ModelCard c = ModelCard::parse(text, "model.toml");
  EXPECT_TRUE(std::isnan(c.valid_loss));
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].find("model.toml: metrics.valid_loss is nan"), std::string::npos) << c.warnings[0];
}

}  // namespace
}  // namespace clara::model
