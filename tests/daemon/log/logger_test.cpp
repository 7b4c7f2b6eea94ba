#include "daemon/log/logger.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

using namespace clara::daemon;

namespace {

// Runs `f` with stderr sent to a file and returns what it wrote.
template <class F>
std::string capture_stderr(F f) {
  char path[] = "/tmp/clara-log-XXXXXX";
  const int fd = mkstemp(path);
  std::fflush(stderr);
  const int saved = dup(2);
  dup2(fd, 2);
  f();
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  std::string out;
  char buf[512];
  lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  close(fd);
  unlink(path);
  return out;
}

}  // namespace

TEST(Logger, LevelsFilterAndNamesParse) {
  log::Level l;
  EXPECT_TRUE(log::parse_level("warning", l));
  EXPECT_EQ(l, log::Level::warning);
  EXPECT_FALSE(log::parse_level("loud", l));
  log::set_level(log::Level::warning);
  const std::string out = capture_stderr([] {
    log::info("not shown %d", 1);
    log::warning("shown %d", 2);
    log::error("also shown");
  });
  log::set_level(log::Level::info);
  EXPECT_EQ(out.find("not shown"), std::string::npos);
  EXPECT_NE(out.find("clarad: shown 2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("clarad: also shown\n"), std::string::npos) << out;
}

TEST(Logger, JournalPrefixOnlyWhenStderrIsTheJournal) {
  // JOURNAL_STREAM naming another file: plain lines (the check is cached per process,
  // so this test sees the state at its first log line; it asserts the terminal form).
  setenv("JOURNAL_STREAM", "1:1", 1);
  const std::string out = capture_stderr([] { log::notice("ready"); });
  EXPECT_EQ(out.rfind("<", 0), std::string::npos) << out;
  EXPECT_FALSE(log::stderr_is_journal());
}
