#include "core/model/training/trainer.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <numeric>
#include <random>
#include <sstream>

#include "core/model/files/model_files.hpp"
#include "core/model/files/model_weights.hpp"

namespace clara::model {
namespace {
namespace fs = std::filesystem;

// A small "language": pieces made of a few fixed phrases in random order, so the
// next token is mostly predictable from the previous ones.
struct Fixture {
  Vocabulary vocab{std::vector<std::string>{"p60", "p64", "p67", "endp60", "endp64", "endp67", "wait3", "wait6"}};
  std::vector<int> train, valid;
  Fixture() {
    const std::vector<std::vector<std::string>> phrases{
        {"p60", "wait3", "endp60", "p64", "wait3", "endp64"},
        {"p67", "wait6", "endp67"},
        {"p60", "p64", "p67", "wait6", "endp60", "endp64", "endp67"}};
    std::mt19937 rng(4);
    auto piece = [&](std::vector<int>& out) {
      for (int k = 0; k < 12; ++k)
        for (const auto& t : phrases[rng() % phrases.size()]) out.push_back(vocab.id(t));
      out.push_back(Vocabulary::kEos);
    };
    for (int i = 0; i < 8; ++i) piece(train);
    for (int i = 0; i < 2; ++i) piece(valid);
  }
};

fs::path temp_dir(const std::string& tag) {
  auto d = fs::temp_directory_path() / ("clara_trainer_" + std::to_string(::getpid()) + "_" + tag);
  fs::remove_all(d);
  return d;
}

TrainOptions tiny_options() {
  TrainOptions o;
  o.arch = AwdLstmConfig::preset("tiny", 0);
  o.batch_size = 4;
  o.bptt = 10;
  o.schedule.peaks = {1e-2};
  o.epochs_per_stage = 50;
  o.seed = 17;
  o.threads = 1;
  o.progress = false;
  o.log_every = 5;
  return o;
}

double mean(const std::vector<double>& v, std::size_t from, std::size_t to) {
  return std::accumulate(v.begin() + from, v.begin() + to, 0.0) / static_cast<double>(to - from);
}

TEST(Trainer, TinyModelLossFallsClearly) {
  Fixture f;
  auto o = tiny_options();
  o.schedule.peaks = {3e-2};
  o.epochs_per_stage = 10;
  o.max_iterations = 120;
  auto r = train_on_tokens(f.train, f.valid, f.vocab, o);
  ASSERT_EQ(r.losses.size(), 120u);
  const double first = mean(r.losses, 0, 5), last = mean(r.losses, 110, 120);
  EXPECT_NEAR(first, std::log(11.0), 0.5);  // starts near uniform over 11 tokens
  EXPECT_LT(last, 0.6 * first) << "first " << first << " last " << last;
  EXPECT_TRUE(std::isfinite(r.valid_loss));
  EXPECT_GT(r.valid_accuracy, 0.3);
}

TEST(Trainer, ResumeContinuesExactlyLikeAnUninterruptedRun) {
  Fixture f;
  auto o = tiny_options();
  o.max_iterations = 14;  // crosses at least one epoch end (about 7 batches each)
  const auto whole = train_on_tokens(f.train, f.valid, f.vocab, o);

  const auto ckpt = temp_dir("ckpt");
  auto a = tiny_options();
  a.checkpoint_dir = ckpt;
  a.max_iterations = 5;
  const auto first = train_on_tokens(f.train, f.valid, f.vocab, a);
  ASSERT_TRUE(fs::exists(ckpt / "checkpoint.pt"));
  auto b = a;
  b.resume = true;
  b.max_iterations = 14;
  const auto second = train_on_tokens(f.train, f.valid, f.vocab, b);
  fs::remove_all(ckpt);

  std::vector<double> joined = first.losses;
  joined.insert(joined.end(), second.losses.begin(), second.losses.end());
  EXPECT_EQ(joined, whole.losses);
  std::vector<double> lrs = first.lrs;
  lrs.insert(lrs.end(), second.lrs.begin(), second.lrs.end());
  EXPECT_EQ(lrs, whole.lrs);
  EXPECT_EQ(second.tokens_seen, whole.tokens_seen);
}

// --init: a run that starts from a trained model's weights starts where that model's loss
// ended (not at the uniform loss of random weights), and its card names the model it came from.
TEST(Trainer, InitStartsFromAnotherModelsWeights) {
  Fixture f;
  const auto first_dir = temp_dir("init_first");
  auto a = tiny_options();
  a.schedule.peaks = {3e-2};
  a.epochs_per_stage = 10;
  a.max_iterations = 120;
  a.out_dir = first_dir;
  a.card.name = "first";
  a.card.sampling.top_p = 0.9;
  a.card.sampling.temperature = 0.8;
  const auto first = train_on_tokens(f.train, f.valid, f.vocab, a);
  ASSERT_TRUE(fs::exists(first_dir / "weights.pt"));

  const auto second_dir = temp_dir("init_second");
  auto b = tiny_options();
  b.max_iterations = 5;
  b.schedule.peaks = {1e-4};  // too small to move the weights far in 5 steps
  b.init_from = first_dir;
  b.out_dir = second_dir;
  const auto second = train_on_tokens(f.train, f.valid, f.vocab, b);
  const double trained = mean(first.losses, 110, 120);
  EXPECT_LT(mean(second.losses, 0, 5), trained + 0.3) << "did not start from the first model's weights";
  EXPECT_LT(mean(second.losses, 0, 5), 0.8 * std::log(11.0));
  const LoadedModel back = load_model_folder(second_dir);
  ASSERT_EQ(back.card.init_from.rfind("first ", 0), 0u) << back.card.init_from;
  EXPECT_EQ(back.card.init_from.size(), 6u + 64u) << back.card.init_from;  // "first " + the weights' sha256
  // It sounds best the way its parent did: the card's [sampling] comes along.
  EXPECT_EQ(back.card.sampling.top_p, std::optional<double>(0.9));
  EXPECT_EQ(back.card.sampling.temperature, std::optional<double>(0.8));

  // Another size or another vocabulary is refused, naming the model's card or vocabulary.
  auto wider = b;
  wider.arch.hidden += 1;
  try {
    train_on_tokens(f.train, f.valid, f.vocab, wider);
    ADD_FAILURE() << "a model of another size was accepted";
  } catch (const TrainError& e) {
    EXPECT_NE(std::string(e.what()).find("model.toml: --init model is"), std::string::npos) << e.what();
  }
  Vocabulary other{std::vector<std::string>{"p60", "p64", "p67", "endp60", "endp64", "endp67", "wait3", "wait7"}};
  try {
    train_on_tokens(f.train, f.valid, other, b);
    ADD_FAILURE() << "a model of another vocabulary was accepted";
  } catch (const TrainError& e) {
    EXPECT_NE(std::string(e.what()).find("vocabulary is not the data's"), std::string::npos) << e.what();
  }
  fs::remove_all(first_dir);
  fs::remove_all(second_dir);
}

TEST(Trainer, ResumeWithoutCheckpointIsAClearError) {
  Fixture f;
  auto o = tiny_options();
  o.checkpoint_dir = temp_dir("none");
  o.resume = true;
  try {
    train_on_tokens(f.train, f.valid, f.vocab, o);
    FAIL() << "expected TrainError";
  } catch (const TrainError& e) {
    EXPECT_NE(std::string(e.what()).find("checkpoint.pt"), std::string::npos) << e.what();
  }
}

TEST(Trainer, StopFlagSavesCheckpointAndAVerifiedModelFolder) {
  Fixture f;
  auto o = tiny_options();
  const auto out = temp_dir("out"), ckpt = temp_dir("stopckpt");
  std::atomic<bool> stop{true};
  o.stop = &stop;
  o.out_dir = out;
  o.checkpoint_dir = ckpt;
  o.card.name = "tiny-test";
  auto r = train_on_tokens(f.train, f.valid, f.vocab, o);
  EXPECT_FALSE(r.finished);
  EXPECT_EQ(r.iterations, 1);
  EXPECT_TRUE(fs::exists(ckpt / "checkpoint.pt"));
  auto loaded = load_model_folder(out);  // SHA256SUMS covers log and plot too
  EXPECT_EQ(loaded.card.name, "tiny-test");
  EXPECT_FALSE(loaded.card.finished);
  EXPECT_EQ(loaded.card.iterations, 1);
  EXPECT_EQ(loaded.vocab, f.vocab);
  std::ifstream svg(out / "loss.svg");
  std::stringstream ss;
  ss << svg.rdbuf();
  EXPECT_NE(ss.str().find("<svg"), std::string::npos);
  std::ifstream csv(out / "train_log.csv");
  std::string header;
  std::getline(csv, header);
  EXPECT_EQ(header, "epoch,iter,tokens_seen,train_loss,val_loss,val_acc,lr,seconds");
  fs::remove_all(out);
  fs::remove_all(ckpt);
}

TEST(Trainer, FinishesAllStagesAndLogsValidationPerEpoch) {
  Fixture f;
  auto o = tiny_options();
  o.schedule.peaks = {5e-3, 5e-4};
  o.epochs_per_stage = 2;
  const auto out = temp_dir("full");
  o.out_dir = out;
  auto r = train_on_tokens(f.train, f.valid, f.vocab, o);
  EXPECT_TRUE(r.finished);
  std::ifstream csv(out / "train_log.csv");
  std::string line;
  int with_val = 0;
  std::getline(csv, line);
  while (std::getline(csv, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, ',')) cells.push_back(c);
    if (cells.size() > 4 && !cells[4].empty()) ++with_val;
  }
  EXPECT_EQ(with_val, 4);  // 2 stages x 2 epochs
  EXPECT_TRUE(load_model_folder(out).card.finished);
  fs::remove_all(out);
}

TEST(Trainer, WritesASnapshotAtTheEndOfEachStage) {
  Fixture f;
  auto o = tiny_options();
  o.schedule.peaks = {5e-3, 5e-4};
  o.epochs_per_stage = 1;
  const auto out = temp_dir("snap_out"), snaps = temp_dir("snaps");
  o.out_dir = out;
  o.snapshot_dir = snaps;
  o.card.name = "tiny";
  auto r = train_on_tokens(f.train, f.valid, f.vocab, o);
  ASSERT_TRUE(r.finished);
  // The seed's names, each a complete verified folder.
  const LoadedModel light = load_model_folder(snaps / "light");
  const LoadedModel med = load_model_folder(snaps / "med");
  EXPECT_FALSE(fs::exists(snaps / "full"));
  EXPECT_EQ(light.card.name, "tiny-light");
  EXPECT_FALSE(light.card.finished);
  EXPECT_TRUE(med.card.finished);
  EXPECT_LT(light.card.iterations, med.card.iterations);
  // The last stage's snapshot is the final model; the first differs from it.
  const LoadedModel final_model = load_model_folder(out);
  EXPECT_EQ(serialize_weights(*med.model), serialize_weights(*final_model.model));
  EXPECT_NE(serialize_weights(*light.model), serialize_weights(*final_model.model));
  EXPECT_EQ(stage_snapshot_name(3), "extra");
  EXPECT_EQ(stage_snapshot_name(4), "stage5");
  fs::remove_all(out);
  fs::remove_all(snaps);
}

}  // namespace
}  // namespace clara::model
