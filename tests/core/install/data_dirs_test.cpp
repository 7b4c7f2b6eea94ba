#include "core/install/data_dirs.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace clara {
namespace {

namespace fs = std::filesystem;

TEST(DataDirs, WorkingDirThenEnvironmentThenTheProgramsPrefixThenTheInstalledFolder) {
  DataDirPlaces p;
  p.working_dir = "/home/u/piece";
  p.env_data_dir = "/srv/clara";
  p.executable = "/opt/clara/bin/clarad";
  p.installed_dir = "/usr/local/share/clara";
  const std::vector<fs::path> want{"/home/u/piece", "/srv/clara", "/opt/clara/share/clara", "/usr/local/share/clara"};
  EXPECT_EQ(data_dirs(p), want);
}

TEST(DataDirs, ABuildTreeBinaryLooksInBuildShareClara) {
  DataDirPlaces p;
  p.working_dir = "/tmp";
  p.executable = "/work/build/bin/clara";
  p.installed_dir = "/usr/local/share/clara";
  const std::vector<fs::path> want{"/tmp", "/work/build/share/clara", "/usr/local/share/clara"};
  EXPECT_EQ(data_dirs(p), want);
}

TEST(DataDirs, EachFolderOnceAndNothingForWhatIsUnknown) {
  DataDirPlaces p;
  p.working_dir = "/usr/local/share/clara/";
  p.executable = "/usr/local/bin/clara";  // its prefix is the installed folder
  p.installed_dir = "/usr/local/share/clara";
  const std::vector<fs::path> want{"/usr/local/share/clara"};
  EXPECT_EQ(data_dirs(p), want);
  EXPECT_EQ(data_dirs(DataDirPlaces{}), std::vector<fs::path>{});
}

TEST(DataDirs, ThisProcessReadsItsEnvironmentAndItsOwnFile) {
  setenv("CLARA_DATA_DIR", "/some/data", 1);
  DataDirPlaces p = process_data_dir_places();
  EXPECT_EQ(p.env_data_dir, "/some/data");
  EXPECT_EQ(p.working_dir, fs::current_path());
  EXPECT_EQ(p.executable.filename(), "clara_core_install_tests");
  EXPECT_FALSE(installed_data_dir().empty());
  EXPECT_EQ(installed_data_dir().filename(), "clara");
  unsetenv("CLARA_DATA_DIR");
  EXPECT_EQ(process_data_dir_places().env_data_dir, "");
  const auto dirs = process_data_dirs();
  ASSERT_GE(dirs.size(), 2u);
  EXPECT_EQ(dirs.front(), fs::current_path().lexically_normal());
  EXPECT_EQ(dirs.back(), installed_data_dir());
}

}  // namespace
}  // namespace clara
