#include "daemon/service/memory_lock.hpp"

#include <gtest/gtest.h>

namespace clara::daemon {
namespace {

// A memlock limit below twice what clarad holds would make later allocations fail under
// MCL_FUTURE: nothing is locked, and the warning says the limit and how to raise it. (The
// locking branch is left to the integration tests: it would lock this test process.)
TEST(MemoryLock, ALimitTooSmallLocksNothingAndSaysHowToRaiseIt) {
  const MemoryLock m = lock_memory(300000, 8192);
  EXPECT_FALSE(m.locked);
  EXPECT_NE(m.message.find("the memlock limit is 8192 kB and clarad holds 300000 kB"), std::string::npos) << m.message;
  EXPECT_NE(m.message.find("ulimit -l unlimited"), std::string::npos) << m.message;
  EXPECT_NE(m.message.find("LimitMEMLOCK=infinity"), std::string::npos) << m.message;
}

}  // namespace
}  // namespace clara::daemon
