#include "daemon/service/notify_message.hpp"

#include <gtest/gtest.h>

using namespace clara::daemon;

namespace {
ServiceStatus playing() {
  ServiceStatus s;
  s.model = "notewise-piano";
  s.mode = "answer";
  s.bpm = 120;
  s.late = 0;
  return s;
}
}  // namespace

TEST(NotifyMessage, StatusNamesModelModeTempoAndLateEvents) {
  EXPECT_EQ(status_text(playing()), "model notewise-piano, mode answer, 120 bpm, 0 late events");
  ServiceStatus s = playing();
  s.bpm = 96.5;
  s.late = 1;
  EXPECT_EQ(status_text(s), "model notewise-piano, mode answer, 96.5 bpm, 1 late event");
  s.bpm = 100.04;  // one decimal, as the tempo is set
  s.late = 12;
  EXPECT_EQ(status_text(s), "model notewise-piano, mode answer, 100 bpm, 12 late events");
}

TEST(NotifyMessage, StatusSaysStoppedAndStalled) {
  ServiceStatus s = playing();
  s.playing = false;
  s.output_stalled = true;
  s.inference_stalled = true;
  EXPECT_EQ(status_text(s),
            "model notewise-piano, mode answer, 120 bpm, 0 late events, stopped, output stalled, inference stalled");
}

TEST(NotifyMessage, ControlCharactersCannotStartAnAssignment) {
  ServiceStatus s = playing();
  s.model = "evil\nREADY=1\r\t";
  const std::string m = status_message(s);
  EXPECT_EQ(m.find('\n'), std::string::npos);
  EXPECT_EQ(m, "STATUS=model evil READY=1  , mode answer, 120 bpm, 0 late events");
}

TEST(NotifyMessage, ReadyCarriesTheFirstStatusAndStoppingSaysSo) {
  EXPECT_EQ(ready_message(playing()), "READY=1\nSTATUS=model notewise-piano, mode answer, 120 bpm, 0 late events");
  EXPECT_EQ(stopping_message().rfind("STOPPING=1\nSTATUS=", 0), 0u);
  EXPECT_EQ(kWatchdogMessage, "WATCHDOG=1");
}
