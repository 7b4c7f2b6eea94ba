#include "daemon/service/root_guard.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "daemon/config/command_line.hpp"
#include "daemon/service/startup_error.hpp"

using namespace clara::daemon;

TEST(RootGuard, RootIsRefusedUnlessAllowed) {
  const auto why = root_refusal(0, false);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("--allow-root"), std::string::npos) << *why;
  EXPECT_FALSE(root_refusal(0, true));
  EXPECT_FALSE(root_refusal(1000, false));
  EXPECT_FALSE(root_refusal(1000, true));
}

TEST(RootGuard, ThrowsExNoPermForThisProcessWhenRoot) {
  EXPECT_NO_THROW(refuse_root_unless_allowed(true));
  if (geteuid() != 0) {
    EXPECT_NO_THROW(refuse_root_unless_allowed(false));
    return;
  }
  try {
    refuse_root_unless_allowed(false);
    FAIL() << "root was not refused";
  } catch (const StartupError& e) {
    EXPECT_EQ(e.exit_code, 77);
  }
}

// The flag that lets root through, as main() reads it: DaemonSettings::allow_root.
TEST(RootGuard, AllowRootIsAFlagOnlyAndDocumented) {
  DaemonSettings s;
  parse_command_line({}, s);
  EXPECT_FALSE(s.allow_root);
  parse_command_line({"--allow-root"}, s);
  EXPECT_TRUE(s.allow_root);
  DaemonSettings h;
  const auto help = parse_command_line({"--help"}, h);
  EXPECT_NE(help.help_text.find("--allow-root"), std::string::npos);
  EXPECT_NE(std::string(exit_codes_text()).find("77  run as root without --allow-root (EX_NOPERM)"), std::string::npos);
}
