#include "core/model/inference/lstm_token_model.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <random>
#include <vector>

#include "core/model/network/awd_lstm.hpp"
#include "tests/core/model/inference/random_model.hpp"

namespace clara::model {
namespace {

std::shared_ptr<AwdLstm> tiny_model() { return test::random_model(29, 8, 12, 2, 3); }

std::vector<float> run(LstmTokenModel& lm, const std::vector<int>& tokens) { return test::last_logits(lm, tokens); }

TEST(LstmTokenModel, RestoreThenFeedEqualsAFreshReplay) {
  auto m = tiny_model();
  LstmTokenModel lm(*m);
  const std::vector<int> prefix{2, 5, 9, 11}, tail{3, 4, 20}, human{7, 8};
  lm.reset();
  run(lm, prefix);
  auto checkpoint = lm.save();
  run(lm, tail);  // speculative tail, then thrown away
  lm.restore(*checkpoint);
  std::vector<float> rolled = run(lm, human);
  LstmState rolled_state = lm.state();

  LstmTokenModel fresh(*m);
  std::vector<int> all = prefix;
  all.insert(all.end(), human.begin(), human.end());
  std::vector<float> replay = run(fresh, all);
  EXPECT_EQ(rolled, replay);  // bit-identical, not merely close
  EXPECT_EQ(rolled_state, fresh.state());
}

TEST(LstmTokenModel, SavedStateKeepsTheLogitsOfItsPoint) {
  auto m = tiny_model();
  LstmTokenModel lm(*m);
  std::vector<float> at = run(lm, {2, 6});
  auto s = lm.save();
  run(lm, {1, 1, 1});
  lm.restore(*s);
  // Feeding the same next token from the restored point gives what it gave before.
  auto a = lm.feed(4);
  std::vector<float> a_copy(a.begin(), a.end());
  lm.restore(*s);
  auto b = lm.feed(4);
  EXPECT_EQ(a_copy, std::vector<float>(b.begin(), b.end()));
  EXPECT_EQ(at.size(), lm.vocab_size());
}

TEST(LstmTokenModel, RejectsForeignStatesAndBadTokens) {
  auto m = tiny_model();
  LstmTokenModel lm(*m);
  struct Other : TokenModel::State {};
  EXPECT_THROW(lm.restore(Other{}), std::invalid_argument);
  EXPECT_THROW(lm.feed(29), std::invalid_argument);
  EXPECT_THROW(lm.feed(-1), std::invalid_argument);
}

}  // namespace
}  // namespace clara::model
