#include "daemon/model/live_critic.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "core/model/classifier/classifier_files.hpp"
#include "core/model/files/model_search.hpp"
#include "daemon/service/startup_error.hpp"

namespace clara::daemon {
namespace {

namespace fs = std::filesystem;

fs::path shipped(const std::string& name) {
  return (fs::path(CLARA_TEST_DATA) / ".." / ".." / "models" / name).lexically_normal();
}

// The model side of LiveModel, without timing it (load_live_model's budget check is not the point).
LiveModel piano() {
  LiveModel m;
  m.dir = shipped("notewise-piano");
  m.loaded = model::load_model_folder(m.dir);
  m.spec = model::encoding_spec_of(m.loaded.card);
  m.timing.p50_us = 30;
  return m;
}

int startup_code(const DaemonSettings& s, const LiveModel& m, std::string* why = nullptr) {
  try {
    load_live_critic(s, m);
  } catch (const StartupError& e) {
    if (why) *why = e.what();
    return e.exit_code;
  }
  return 0;
}

TEST(LiveCritic, OffWithOneCandidate) {
  DaemonSettings s;
  s.solo.critic = "/nonexistent";  // not even looked at
  EXPECT_FALSE(load_live_critic(s, piano()).has_value());
}

TEST(LiveCritic, TheShippedCriticScoresWindowsPaddedWithSilence) {
  const LiveModel m = piano();
  DaemonSettings s;
  s.solo.candidates = 3;
  s.solo.critic = shipped("critic-notewise-piano").string();
  const auto critic = load_live_critic(s, m);
  ASSERT_TRUE(critic.has_value());
  EXPECT_EQ(critic->window, 512u);
  EXPECT_GT(critic->score_ns, 0);
  EXPECT_EQ(m.loaded.vocab.token(critic->pad_id), "wait" + std::to_string(m.spec.max_wait()));
  const SoloRanking r = solo_ranking(*critic, 3, m);
  EXPECT_EQ(r.candidates, 3);
  EXPECT_EQ(r.window, 512u);
  EXPECT_DOUBLE_EQ(r.step_ns, 30'000);
  // A short window is the critic's 512 with the longest wait before it.
  const int onset = m.loaded.vocab.id("p60");
  const int wait = m.loaded.vocab.id("wait3");
  std::vector<int> short_window;
  for (int i = 0; i < 40; ++i) short_window.insert(short_window.end(), {onset, wait, m.loaded.vocab.id("endp60"), wait});
  std::vector<int> padded(512 - short_window.size(), critic->pad_id);
  padded.insert(padded.end(), short_window.begin(), short_window.end());
  const double p = r.score(short_window);
  EXPECT_GE(p, 0.0);
  EXPECT_LE(p, 1.0);
  EXPECT_DOUBLE_EQ(p, critic->model->probabilities({padded}).at(0).at(0));
  // A longer one: its last 512 tokens.
  std::vector<int> long_window(100, onset);
  long_window.insert(long_window.end(), padded.begin(), padded.end());
  EXPECT_DOUBLE_EQ(r.score(long_window), p);
}

TEST(LiveCritic, AMissingTamperedOrWrongCriticIsExit78) {
  const LiveModel m = piano();
  DaemonSettings s;
  s.solo.candidates = 2;
  std::string why;
  s.solo.critic = "/nonexistent/critic";
  EXPECT_EQ(startup_code(s, m, &why), 78);
  EXPECT_NE(why.find("solo.critic"), std::string::npos) << why;

  const fs::path dir = fs::temp_directory_path() / ("clara-live-critic-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy(shipped("critic-notewise-piano"), dir / "tampered", fs::copy_options::recursive);
  std::ofstream(dir / "tampered" / "classifier.toml", std::ios::app) << "# changed\n";
  s.solo.critic = (dir / "tampered").string();
  EXPECT_EQ(startup_code(s, m, &why), 78);
  EXPECT_NE(why.find("sha256"), std::string::npos) << why;

  s.solo.critic = shipped("notewise-piano").string();  // a generator, not a critic
  EXPECT_EQ(startup_code(s, m, &why), 78);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace clara::daemon
