#pragma once
// Where Clara's programs find their data (models/NAME, samples/): a list of folders, each
// holding models/ and samples/, searched in order, the first holding a name winning.
//   1. the working directory (a model trained or copied next to you);
//   2. $CLARA_DATA_DIR, when set and not empty;
//   3. the program's own prefix, EXE/../share/clara: the installed tree wherever it was
//      installed or moved to, and in a build tree build/share/clara, whose models and
//      samples are links into the source tree made at configure time (cmake/install.cmake),
//      so build/bin/clara runs from a checkout before anything is installed;
//   4. the data folder compiled in, ${CMAKE_INSTALL_FULL_DATADIR}/clara
//      (/usr/local/share/clara by default).
// No path into the source tree is compiled into a binary.
#include <filesystem>
#include <string>
#include <vector>

namespace clara {

struct DataDirPlaces {
  std::filesystem::path working_dir;
  std::string env_data_dir;             // $CLARA_DATA_DIR's value, "" when unset
  std::filesystem::path executable;     // this program's file, "" when unknown
  std::filesystem::path installed_dir;  // the compiled-in data folder
};

// The folders of the list above, in order, each once (compared lexically normalised).
std::vector<std::filesystem::path> data_dirs(const DataDirPlaces& places);

// The places of this process: its working directory, its environment, /proc/self/exe and
// the data folder it was built for.
DataDirPlaces process_data_dir_places();

// data_dirs(process_data_dir_places()).
std::vector<std::filesystem::path> process_data_dirs();

// The compiled-in data folder (${CMAKE_INSTALL_FULL_DATADIR}/clara).
std::filesystem::path installed_data_dir();

}  // namespace clara
