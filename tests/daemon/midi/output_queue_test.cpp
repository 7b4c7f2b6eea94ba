#include "daemon/midi/output_queue.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace clara::daemon {
namespace {

TEST(OutputQueue, KeepsItsLastQuarterForEverythingButNoteOns) {
  auto q = std::make_unique<OutputQueue>();
  const TimedMessage on{1, {0x90, 60, 90}, 0}, off{2, {0x80, 60, 0}, 0};
  std::size_t ons = 0;
  while (q->push(on, 0) == OutputQueue::Push::pushed) ++ons;
  EXPECT_EQ(ons, OutputQueue::kCapacity - OutputQueue::kNoteOnReserve);
  EXPECT_EQ(q->push(on, 0), OutputQueue::Push::refused);
  std::size_t offs = 0;
  while (q->push(off, 3) == OutputQueue::Push::pushed) ++offs;
  EXPECT_EQ(offs, OutputQueue::kNoteOnReserve);
  EXPECT_EQ(q->push(off, 3), OutputQueue::Push::full);
  QueuedMessage m;
  ASSERT_TRUE(q->peek(m));
  EXPECT_EQ(m.timed(), on);
  EXPECT_EQ(m.epoch, 0u);
  for (std::size_t i = 0; i < ons; ++i) q->pop();
  ASSERT_TRUE(q->peek(m));
  EXPECT_EQ(m.timed(), off);
  EXPECT_EQ(m.epoch, 3u) << "the epoch travels with the message";
}

TEST(OutputQueue, KeepsItsHighWaterMark) {
  auto q = std::make_unique<OutputQueue>();
  EXPECT_EQ(q->high_water(), 0u);
  const TimedMessage off{2, {0x80, 60, 0}, 0};
  for (int i = 0; i < 40; ++i) ASSERT_EQ(q->push(off, 0), OutputQueue::Push::pushed);
  for (int i = 0; i < 30; ++i) q->pop();
  for (int i = 0; i < 5; ++i) q->push(off, 0);
  EXPECT_EQ(q->high_water(), 40u) << "15 held now; the mark keeps the most";
  const TimedMessage on{1, {0x90, 60, 90}, 0};
  while (q->push(on, 0) == OutputQueue::Push::pushed) {
  }
  EXPECT_EQ(q->high_water(), OutputQueue::kCapacity - OutputQueue::kNoteOnReserve)
      << "refused note-ons are not held";
}

TEST(OutputQueue, EpochsCompareAcrossTheWrap) {
  EXPECT_TRUE(epoch_before(1, 2));
  EXPECT_FALSE(epoch_before(2, 2));
  EXPECT_TRUE(epoch_before(0xFFFFFFFFu, 0));
  EXPECT_FALSE(epoch_before(0, 0xFFFFFFFFu));
}

}  // namespace
}  // namespace clara::daemon
