#include "daemon/model/model_swapper.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cmath>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/model/files/model_files.hpp"
#include "core/model/files/model_search.hpp"

namespace clara::daemon {
namespace {

namespace fs = std::filesystem;

fs::path shipped(const std::string& name) {
  return (fs::path(CLARA_TEST_DATA) / ".." / ".." / "models" / name).lexically_normal();
}

// A models folder of its own: copies of the shipped models under other names, some damaged.
class ModelSwapperTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = fs::temp_directory_path() / ("clara_model_swapper_test_" + std::to_string(::getpid()));
    const fs::path models = root_ / "models";
    fs::create_directories(models);
    fs::copy(shipped("notewise-piano"), models / "piano-b", fs::copy_options::recursive);
    fs::copy(shipped("chordwise-piano"), models / "chords", fs::copy_options::recursive);
    fs::copy(shipped("chamber"), models / "chamber", fs::copy_options::recursive);
    // Flipped bytes in the weights, with sums that match them: the weights themselves are bad.
    fs::copy(shipped("notewise-piano"), models / "corrupt", fs::copy_options::recursive);
    flip(models / "corrupt" / "weights.pt", 0);
    model::write_sha256sums(models / "corrupt");
    // Readable weights with a NaN in them.
    {
      model::LoadedModel m = model::load_model_folder(shipped("notewise-piano"));
      {
        torch::NoGradGuard no_grad;
        m.model->parameters()[0].view(-1)[0].fill_(std::nanf(""));
      }
      fs::create_directories(models / "nan");
      model::save_model_folder(models / "nan", *m.model, m.card, m.vocab);
    }
    // Flipped bytes the sums catch.
    fs::copy(shipped("notewise-piano"), models / "badsha", fs::copy_options::recursive);
    flip(models / "badsha" / "weights.pt", 4000);
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }
  static void flip(const fs::path& p, std::streamoff at) {
    std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
    for (std::streamoff i = at; i < at + 64; ++i) {
      f.seekg(i);
      const char c = static_cast<char>(f.get());
      f.seekp(i);
      f.put(static_cast<char>(~c));
    }
  }
  static std::vector<fs::path> roots() { return {root_}; }
  static std::string refusal(const std::string& name) {
    try {
      prepare_swap_model(name, roots(), piano_, "notewise-piano", 120, 0.001);
    } catch (const SwapRefused& e) {
      return e.what();
    }
    return "accepted";
  }
  static inline fs::path root_;
  static inline EncodingSpec piano_ = model::encoding_spec_of(model::ModelCard::load(shipped("notewise-piano") / "model.toml"));
};

TEST_F(ModelSwapperTest, AGoodCopyIsLoadedWithItsWeightsSha) {
  const SwapCandidate c = prepare_swap_model("piano-b", roots(), piano_, "notewise-piano", 120, 0.001);
  EXPECT_EQ(c.name, "piano-b");
  EXPECT_EQ(c.sha256.size(), 64u);
  ASSERT_TRUE(c.model);
  EXPECT_EQ(c.model->vocab_size(), 152u);
}

TEST_F(ModelSwapperTest, RefusalsNameTheModelAndTheReason) {
  EXPECT_NE(refusal("../models/piano-b").find("not a name"), std::string::npos) << refusal("../models/piano-b");
  EXPECT_NE(refusal("/etc").find("never a path"), std::string::npos);
  EXPECT_NE(refusal("").find("not a name"), std::string::npos);
  EXPECT_NE(refusal(std::string(65, 'a')).find("not a name"), std::string::npos);
  EXPECT_NE(refusal("nosuchmodel").find("no model 'nosuchmodel'"), std::string::npos);
  const std::string corrupt = refusal("corrupt");
  EXPECT_NE(corrupt.find("model 'corrupt'"), std::string::npos) << corrupt;
  EXPECT_NE(corrupt.find("weights.pt"), std::string::npos) << corrupt;
  const std::string nan = refusal("nan");
  EXPECT_NE(nan.find("model 'nan'"), std::string::npos) << nan;
  EXPECT_NE(nan.find("non-finite"), std::string::npos) << nan;
  const std::string badsha = refusal("badsha");
  EXPECT_NE(badsha.find("model 'badsha'"), std::string::npos) << badsha;
  EXPECT_NE(badsha.find("sha256 mismatch"), std::string::npos) << badsha;
  const std::string chords = refusal("chords");
  EXPECT_NE(chords.find("chordwise"), std::string::npos) << chords;
  const std::string chamber = refusal("chamber");
  EXPECT_NE(chamber.find("writes chamber tokens"), std::string::npos) << chamber;
  EXPECT_NE(chamber.find("notewise-piano plays notewise"), std::string::npos) << chamber;
}

TEST_F(ModelSwapperTest, TooSlowAtTheTempoIsRefused) {
  // A budget of a million tokens per grid step: no model fits it.
  try {
    prepare_swap_model("piano-b", roots(), piano_, "notewise-piano", 400, 1e6);
    ADD_FAILURE() << "accepted";
  } catch (const SwapRefused& e) {
    EXPECT_NE(std::string(e.what()).find("too slow"), std::string::npos) << e.what();
  }
}

// Stands in for the inference thread: answers a context capture and applies a swap at once.
struct InstantDuet : CommandSink {
  std::optional<std::string> check(const ControlCommand&) const override { return std::nullopt; }
  std::optional<std::string> submit(const ControlCommand& c, std::int64_t, bool on_bar) override {
    if (const auto* cap = std::get_if<CaptureContext>(&c)) {
      std::lock_guard lock(cap->copy->mutex);
      cap->copy->tokens = {0, 5, 9, 12, 5, 9};
      cap->copy->begin = 0;
      cap->copy->done = true;
    } else if (const auto* s = std::get_if<SwapModel>(&c)) {
      EXPECT_TRUE(on_bar);
      std::lock_guard lock(s->ticket->mutex);
      fed_until = s->fed_until;
      name = s->name;
      s->ticket->applied = true;
    }
    return std::nullopt;
  }
  std::size_t fed_until = 0;
  std::string name;
};

ControlState wait_for(ControlHub& hub, const std::string& prefix) {
  for (int i = 0; i < 3000; ++i) {
    const ControlState s = hub.state();
    if (s.model_swap.rfind(prefix, 0) == 0) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return hub.state();
}

TEST_F(ModelSwapperTest, ARequestLoadsOnTheWorkerAndReportsTheOutcome) {
  InstantDuet duet;
  ModelSwapper swapper(duet, "notewise-piano", piano_, 0.001, roots());
  ControlState initial;
  initial.model = "notewise-piano";
  ControlHub hub(duet, initial, swapper.hooks());
  swapper.attach(hub);

  EXPECT_EQ(swapper.request("notewise-piano"), std::nullopt);  // playing already
  EXPECT_NE(swapper.request("../x"), std::nullopt);
  const auto unknown = swapper.request("nosuchmodel");
  ASSERT_TRUE(unknown);
  EXPECT_NE(unknown->find("piano-b"), std::string::npos) << *unknown;  // the list of what there is

  EXPECT_EQ(swapper.request("piano-b"), std::nullopt);
  ControlState s = wait_for(hub, "playing");
  EXPECT_EQ(s.model_swap, "playing piano-b");
  EXPECT_EQ(s.model, "piano-b");
  EXPECT_EQ(duet.name, "piano-b");
  EXPECT_EQ(duet.fed_until, 5u);  // all but the last committed token warmed on the worker
  EXPECT_EQ(swapper.swaps(), 1u);

  for (int i = 0; i < 200 && swapper.busy(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(swapper.request("badsha"), std::nullopt);  // accepted: refused once loaded
  s = wait_for(hub, "refused");
  EXPECT_EQ(s.model_swap.rfind("refused badsha: ", 0), 0u) << s.model_swap;
  EXPECT_EQ(s.model, "piano-b");  // the old one plays on
  EXPECT_EQ(swapper.refused(), 2u);  // nosuchmodel, badsha
  KeyValues metrics = swapper.hooks().model_metrics();
  ASSERT_EQ(metrics.size(), 3u);
  EXPECT_EQ(metrics[0].first, "model_swaps");
  EXPECT_EQ(std::get<std::int64_t>(metrics[0].second), 1);
  EXPECT_EQ(std::get<std::int64_t>(metrics[1].second), 2);
  swapper.stop();
}

}  // namespace
}  // namespace clara::daemon
