#include "daemon/service/signals.hpp"

#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

using namespace clara::daemon;

TEST(StopSignals, EachStopSignalIsWaitedForAndSigpipeIsIgnored) {
  signal(SIGQUIT, SIG_IGN);  // as a script may leave it; StopSignals must undo it
  const StopSignals signals;
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
    kill(getpid(), s);
    EXPECT_EQ(signals.wait(std::chrono::milliseconds(1000)), s);
  }
  EXPECT_EQ(signals.wait(std::chrono::milliseconds(10)), 0);
  struct sigaction sa {};
  sigaction(SIGPIPE, nullptr, &sa);
  EXPECT_EQ(sa.sa_handler, SIG_IGN);
  kill(getpid(), SIGPIPE);  // would end the test binary if not ignored
}

TEST(StopSignals, OnlyHangupReloads) {
  EXPECT_TRUE(is_reload_signal(SIGHUP));
  for (int s : {0, SIGINT, SIGTERM, SIGQUIT, SIGPIPE}) EXPECT_FALSE(is_reload_signal(s)) << s;
}
