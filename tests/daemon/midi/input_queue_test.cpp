#include "daemon/midi/input_queue.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace clara::daemon {
namespace {

TEST(InputQueue, CountsWhatItCarriesAndDropsAndItsHighWaterMark) {
  auto q = std::make_unique<InputQueue>();
  EXPECT_EQ(q->high_water(), 0u);
  EXPECT_EQ(q->peek(), nullptr);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(q->push(TimedMessage{i, ShortMessage{0x90, 60, 90}, 0}));
  EXPECT_EQ(q->high_water(), 10u);
  TimedMessage m;
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(q->pop(m));
  EXPECT_EQ(m.time_ns, 6) << "first in, first out";
  ASSERT_NE(q->peek(), nullptr);
  EXPECT_EQ(q->peek()->time_ns, 7);
  for (int i = 0; i < 5; ++i) q->push(TimedMessage{100 + i, ShortMessage{0x80, 60, 0}, 0});
  EXPECT_EQ(q->high_water(), 10u) << "8 held now; the mark keeps the most it ever held";
  EXPECT_EQ(q->messages(), 15u);
  EXPECT_EQ(q->dropped(), 0u);
}

TEST(InputQueue, AFullQueueDropsAndCountsAndKeepsWhatItHolds) {
  auto q = std::make_unique<InputQueue>();
  std::size_t pushed = 0;
  for (std::size_t i = 0; i < InputQueue::kCapacity + 50; ++i)
    pushed += q->push(TimedMessage{static_cast<std::int64_t>(i), ShortMessage{0x90, 60, 90}, 0});
  EXPECT_EQ(pushed, InputQueue::kCapacity);
  EXPECT_EQ(q->dropped(), 50u);
  EXPECT_EQ(q->messages(), InputQueue::kCapacity + 50);
  EXPECT_EQ(q->high_water(), InputQueue::kCapacity);
  TimedMessage m;
  ASSERT_TRUE(q->pop(m));
  EXPECT_EQ(m.time_ns, 0) << "the oldest stays; the newest were dropped";
}

}  // namespace
}  // namespace clara::daemon
