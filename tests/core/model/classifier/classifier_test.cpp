#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <random>

#include "core/encoding/notewise_codec.hpp"
#include "core/model/classifier/classifier_files.hpp"
#include "core/model/classifier/classifier_trainer.hpp"
#include "core/model/classifier/feature_baseline.hpp"
#include "core/model/classifier/sequence_classifier.hpp"
#include "core/model/files/model_files.hpp"

namespace clara::model {
namespace {
namespace fs = std::filesystem;

// Class 0 draws its tokens from ids 3..10, class 1 from 11..18: an easy task a working
// classifier learns in a few epochs and a broken one (pooling, labels, head) does not.
ClassifierSamples toy(std::size_t n, std::size_t length, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  ClassifierSamples s;
  for (std::size_t i = 0; i < n; ++i) {
    const int label = static_cast<int>(i % 2);
    std::vector<int> t;
    for (std::size_t k = 0; k < length; ++k) t.push_back(3 + 8 * label + static_cast<int>(rng() % 8));
    s.tokens.push_back(std::move(t));
    s.labels.push_back(label);
  }
  return s;
}

class ClassifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("clara_classifier_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    std::vector<std::string> toks;
    for (int i = 0; i < 20; ++i) {
      std::string t = "t";  // not "t" + to_string(i): GCC 12's -Wrestrict false positive
      t += std::to_string(i);
      toks.push_back(t);
    }
    vocab_ = Vocabulary(toks);
    o_.sizes = AwdLstmConfig::preset("tiny", static_cast<std::int64_t>(vocab_.size()));
    o_.epochs = 3;
    o_.batch_size = 16;
    o_.peak_lr = 1e-2;
    o_.progress = false;
    o_.out_dir = dir_ / "model";
    o_.card.kind = "composer";
    o_.card.name = "toy";
    o_.card.classes = {"low", "high"};
    o_.card.sample_tokens = 12;
    o_.generator.name = "gen";
    o_.generator.encoding = "notewise";
    o_.generator.sample_freq = 12;
    o_.generator.architecture = o_.sizes;
  }
  void TearDown() override { fs::remove_all(dir_); }
  ClassifierTrainResult train(std::int64_t epochs) {
    o_.epochs = epochs;
    return train_classifier([](std::int64_t e) { return toy(256, 12, 100 + static_cast<std::uint64_t>(e)); },
                            toy(64, 12, 1), vocab_, o_);
  }
  fs::path dir_;
  Vocabulary vocab_;
  ClassifierTrainOptions o_;
};

TEST_F(ClassifierTest, LearnsASeparableTaskAndItsFolderJudgesAsTrained) {
  const auto r = train(3);
  EXPECT_TRUE(r.finished);
  EXPECT_EQ(r.epochs, 3);
  ASSERT_EQ(r.epoch_accuracy.size(), 3u);
  EXPECT_GT(r.valid_accuracy, 0.9);
  ASSERT_EQ(r.confusion.size(), 2u);
  EXPECT_EQ(r.confusion[0][0] + r.confusion[0][1] + r.confusion[1][0] + r.confusion[1][1], 64);

  const JudgingModel j(o_.out_dir);
  EXPECT_EQ(j.card().kind, "composer");
  EXPECT_EQ(j.card().classes, (std::vector<std::string>{"low", "high"}));
  EXPECT_EQ(j.card().epochs, 3);
  EXPECT_NEAR(j.card().valid_accuracy, r.valid_accuracy, 1e-12);
  EXPECT_EQ(j.card().valid_confusion, r.confusion);
  EXPECT_EQ(j.generator().name, "gen");
  const auto fresh = toy(40, 12, 999);
  const auto p = j.probabilities(fresh.tokens);
  ASSERT_EQ(p.size(), 40u);
  int right = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    ASSERT_EQ(p[i].size(), 2u);
    EXPECT_NEAR(p[i][0] + p[i][1], 1.0, 1e-9);
    right += (p[i][1] > p[i][0]) == (fresh.labels[i] == 1);
  }
  EXPECT_GE(right, 36);
  // Same input, same output: evaluation mode (no dropout, BatchNorm statistics).
  EXPECT_EQ(j.probabilities(fresh.tokens), p);
  EXPECT_THROW(j.probabilities({{3, 4, 5}}), std::invalid_argument);  // not 12 tokens
  EXPECT_TRUE(fs::exists(o_.out_dir / "train_log.csv"));
  EXPECT_TRUE(fs::exists(o_.out_dir / "loss.svg"));
}

TEST_F(ClassifierTest, ResumeContinuesAfterTheLastEpoch) {
  o_.checkpoint_dir = dir_ / "ck";
  train(1);
  EXPECT_TRUE(fs::exists(dir_ / "ck" / "classifier-checkpoint.pt"));
  o_.resume = true;
  const auto r = train(2);
  EXPECT_EQ(r.epochs, 2);
  EXPECT_EQ(r.epoch_accuracy.size(), 1u);  // this run trained one epoch
  EXPECT_EQ(JudgingModel(o_.out_dir).card().epochs, 2);
}

TEST_F(ClassifierTest, AChangedOrIncompleteFolderIsRefusedByName) {
  train(1);
  {
    std::ofstream f(o_.out_dir / "weights.pt", std::ios::app | std::ios::binary);
    f << "x";
  }
  try {
    JudgingModel j(o_.out_dir);
    FAIL() << "loaded a changed weights file";
  } catch (const ModelFileError& e) {
    EXPECT_NE(std::string(e.what()).find("weights.pt: sha256 mismatch"), std::string::npos) << e.what();
  }
  fs::remove(o_.out_dir / "weights.pt");
  EXPECT_THROW(JudgingModel{o_.out_dir}, ModelFileError);
  EXPECT_THROW(JudgingModel{dir_ / "nowhere"}, ModelFileError);
}

TEST(ClassifierCard, StrictWhereItMatters) {
  ClassifierCard c;
  c.kind = "critic";
  c.classes = {"human", "generated"};
  c.architecture = AwdLstmConfig::preset("tiny", 20);
  c.valid_confusion = {{3, 1}, {0, 4}};
  c.valid_accuracy = 0.875;
  const auto back = ClassifierCard::parse(c.to_toml(), "x.toml");
  EXPECT_EQ(back.kind, "critic");
  EXPECT_EQ(back.valid_confusion, c.valid_confusion);
  EXPECT_DOUBLE_EQ(back.valid_accuracy, 0.875);
  EXPECT_EQ(back.architecture.emb, c.architecture.emb);
  auto fails = [&](std::string text, const std::string& needle) {
    try {
      ClassifierCard::parse(text, "x.toml");
      ADD_FAILURE() << "accepted: " << needle;
    } catch (const ModelFileError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  const std::string text = c.to_toml();
  auto with = [&](const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    return text.substr(0, at) + to + text.substr(at + from.size());
  };
  fails(with("kind = 'critic'", "kind = 'judge'"), "kind");
  fails(with("'human'", "'people'"), "critic's classes");
  fails(with("format = 1", "format = 9"), "format 9");
  fails("format = 1\nkind = 'composer'\n[", "x.toml:");
}

TEST(FeatureClassifier, FitsAndPredictsStandardisedFeatures) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> noise(0, 1);
  std::vector<std::vector<double>> x;
  std::vector<int> y;
  for (int i = 0; i < 300; ++i) {
    const int c = i % 3;
    // Feature 0 separates, feature 1 is noise on a large scale, feature 2 is constant.
    x.push_back({10.0 * c + noise(rng), 1000 * noise(rng), 7.0});
    y.push_back(c);
  }
  FeatureClassifier f;
  f.fit(x, y, 3, 1);
  const auto p = f.probabilities({{0.1, 5, 7}, {10.2, -300, 7}, {19.7, 800, 7}});
  for (int c = 0; c < 3; ++c) {
    const auto& row = p[static_cast<std::size_t>(c)];
    EXPECT_EQ(std::max_element(row.begin(), row.end()) - row.begin(), c);
    EXPECT_NEAR(row[0] + row[1] + row[2], 1.0, 1e-12);
  }
  EXPECT_THROW(f.probabilities({{1.0}}), std::invalid_argument);
  FeatureClassifier unfitted;
  EXPECT_THROW(unfitted.probabilities({{1.0, 2.0, 3.0}}), std::logic_error);
}

}  // namespace
}  // namespace clara::model
