// Which clarad.toml is read: --config, $XDG_CONFIG_HOME/clara (~/.config/clara), the system
// folder (CLARA_SYSTEM_CONFIG_DIR standing in for /etc/clara here), else none; only the first.
#include "daemon/config/config_search.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "daemon/config/command_line.hpp"

namespace fs = std::filesystem;
using namespace clara;
using namespace clara::daemon;

namespace {

// Sets (or, with nullopt, unsets) an environment variable for one test, then puts it back.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) ::setenv(name, value->c_str(), 1);
    else ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// A home, an XDG config folder and a system folder, empty, under a fresh temp folder.
struct Dirs {
  fs::path root, home, xdg, system;
  Dirs() {
    static int n = 0;
    root = fs::temp_directory_path() / ("clara-search-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    home = root / "home";
    xdg = root / "xdg";
    system = root / "etc-clara";
    for (const auto& d : {home, xdg, system}) fs::create_directories(d);
  }
  ~Dirs() { fs::remove_all(root); }
  static fs::path write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file;
  }
  fs::path user_file() const { return xdg / "clara" / "clarad.toml"; }
  fs::path home_file() const { return home / ".config" / "clara" / "clarad.toml"; }
  fs::path system_file() const { return system / "clarad.toml"; }
};

struct Env {
  ScopedEnv home, xdg, system;
  Env(const Dirs& d, std::optional<std::string> xdg_value)
      : home("HOME", d.home.string()), xdg("XDG_CONFIG_HOME", std::move(xdg_value)),
        system("CLARA_SYSTEM_CONFIG_DIR", d.system.string()) {}
};

}  // namespace

TEST(ConfigSearch, XdgThenSystemThenNoneAndOnlyTheFirstIsRead) {
  Dirs d;
  Env env(d, d.xdg.string());
  ConfigLocation l = find_config_file("");
  EXPECT_TRUE(l.path.empty());
  EXPECT_EQ(l.searched, (std::vector<fs::path>{d.user_file(), d.system_file()}));
  EXPECT_EQ(l.describe(), "no config file (looked for " + d.user_file().string() + ", " + d.system_file().string() +
                              "): built-in defaults");

  Dirs::write(d.system_file(), "[duet]\ntempo = 90\nmode = \"solo\"\n");
  l = find_config_file("");
  EXPECT_EQ(l.path, d.system_file());
  EXPECT_EQ(l.source, "$CLARA_SYSTEM_CONFIG_DIR/clarad.toml");
  DaemonSettings s;
  parse_command_line({}, s);
  EXPECT_EQ(s.duet.bpm, 90);

  // The user's file wins, and the system's is not read at all: no mode = "solo" from it.
  Dirs::write(d.user_file(), "[duet]\ntempo = 100\n");
  l = find_config_file("");
  EXPECT_EQ(l.path, d.user_file());
  EXPECT_EQ(l.source, "$XDG_CONFIG_HOME/clara/clarad.toml");
  EXPECT_EQ(l.describe(), "config file " + d.user_file().string() + " ($XDG_CONFIG_HOME/clara/clarad.toml)");
  DaemonSettings t;
  const CommandLine cl = parse_command_line({}, t);
  EXPECT_EQ(t.duet.bpm, 100);
  EXPECT_EQ(t.duet.mode, DuetMode::answer);
  EXPECT_EQ(cl.config.path, d.user_file());
  EXPECT_EQ(cl.sources.of("duet.tempo"), d.user_file().string() + ":2");

  // --config beats both, and is the only one read.
  const fs::path mine = Dirs::write(d.root / "mine.toml", "[duet]\nanswer_bars = 3\n");
  DaemonSettings u;
  const CommandLine flag = parse_command_line({"--config", mine.string()}, u);
  EXPECT_EQ(flag.config.source, "--config");
  EXPECT_EQ(u.duet.answer_bars, 3);
  EXPECT_EQ(u.duet.bpm, 120);
  EXPECT_TRUE(flag.config.searched.empty());
}

TEST(ConfigSearch, WithoutXdgConfigHomeItIsTheHomesDotConfig) {
  Dirs d;
  Dirs::write(d.home_file(), "[duet]\ntempo = 101\n");
  Dirs::write(d.user_file(), "[duet]\ntempo = 102\n");
  for (const std::optional<std::string>& xdg :
       {std::optional<std::string>(), std::optional<std::string>(""), std::optional<std::string>("relative/dir")}) {
    SCOPED_TRACE(xdg ? "XDG_CONFIG_HOME=\"" + *xdg + "\"" : "XDG_CONFIG_HOME unset");
    Env env(d, xdg);
    const ConfigLocation l = find_config_file("");
    EXPECT_EQ(l.path, d.home_file());
    EXPECT_EQ(l.source, "~/.config/clara/clarad.toml");
    DaemonSettings s;
    parse_command_line({}, s);
    EXPECT_EQ(s.duet.bpm, 101);
  }
}

TEST(ConfigSearch, WithoutTheHookTheSystemFileIsEtcClara) {
  Dirs d;
  ScopedEnv xdg("XDG_CONFIG_HOME", d.xdg.string());
  ScopedEnv system("CLARA_SYSTEM_CONFIG_DIR", "");
  const ConfigLocation l = find_config_file("");
  ASSERT_EQ(l.searched.size(), 2u);
  EXPECT_EQ(l.searched[1], fs::path("/etc/clara/clarad.toml"));
}

TEST(ConfigSearch, AFoundFileThatCannotBeReadIsAnErrorNotSkipped) {
  Dirs d;
  Env env(d, d.xdg.string());
  Dirs::write(d.system_file(), "[duet]\ntempo = 90\n");
  fs::create_directories(d.user_file().parent_path());
  fs::create_symlink(d.root / "nowhere.toml", d.user_file());  // dangling
  const ConfigLocation l = find_config_file("");
  EXPECT_EQ(l.path, d.user_file());
  DaemonSettings s;
  testing::internal::CaptureStderr();
  EXPECT_EQ(parse_command_line_or_exit({}, s), std::optional<int>(78));
  const std::string logged = testing::internal::GetCapturedStderr();
  EXPECT_NE(logged.find(d.user_file().string() + ": cannot read the config file: No such file or directory"),
            std::string::npos)
      << logged;

  // A bad file found by the search stops clarad as --config would.
  fs::remove(d.user_file());
  Dirs::write(d.user_file(), "[duet]\ntempo = 1000\n");
  testing::internal::CaptureStderr();
  EXPECT_EQ(parse_command_line_or_exit({}, s), std::optional<int>(78));
  EXPECT_NE(testing::internal::GetCapturedStderr().find(d.user_file().string() + ":2:9: duet.tempo: must be"),
            std::string::npos);
}

TEST(ConfigSearch, ClaradLogsWhichFileItRead) {
  Dirs d;
  Env env(d, d.xdg.string());
  DaemonSettings s;
  testing::internal::CaptureStderr();
  EXPECT_EQ(parse_command_line_or_exit({}, s), std::nullopt);
  std::string logged = testing::internal::GetCapturedStderr();
  EXPECT_NE(logged.find("clarad: no config file (looked for " + d.user_file().string()), std::string::npos) << logged;
  Dirs::write(d.system_file(), "[log]\nlevel = \"info\"\n");
  testing::internal::CaptureStderr();
  EXPECT_EQ(parse_command_line_or_exit({}, s), std::nullopt);
  logged = testing::internal::GetCapturedStderr();
  EXPECT_NE(logged.find("clarad: config file " + d.system_file().string() + " ($CLARA_SYSTEM_CONFIG_DIR/clarad.toml)"),
            std::string::npos)
      << logged;
}
