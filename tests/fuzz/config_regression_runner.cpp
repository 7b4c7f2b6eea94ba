// Replays every .toml file of the given directories through the config fuzz target's checks,
// without libFuzzer, so each hostile input (hand-made or found by the fuzzer) and each seed
// stays a plain ctest. Beyond "no crash", each file's outcome must be the one recorded
// beside it in FILE.toml.expected: the loader's problem lines, or the settings it read as
// --print-config writes them. A loader that starts accepting what it refused, refuses for
// another reason or at another place, or reads other values fails here.
//   config_regression_runner DIRECTORY...            check
//   config_regression_runner --update DIRECTORY...   (re)write the .expected files
#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/config_fuzz_check.hpp"

namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
  const bool update = argc >= 3 && std::string(argv[1]) == "--update";
  const int first_dir = update ? 2 : 1;
  if (argc <= first_dir) {
    std::cerr << "usage: " << argv[0] << " [--update] DIRECTORY...\n";
    return 2;
  }
  std::vector<fs::path> files, expectations;
  for (int i = first_dir; i < argc; ++i) {
    std::size_t found = 0;
    try {
      for (const auto& entry : fs::recursive_directory_iterator(argv[i])) {
        if (!entry.is_regular_file()) continue;
        if (entry.path().extension() == ".toml") {
          files.push_back(entry.path());
          ++found;
        }
        if (entry.path().extension() == ".expected") expectations.push_back(entry.path());
      }
    } catch (const fs::filesystem_error& e) {
      std::cerr << e.what() << "\n";
      return 2;
    }
    // An empty or mistyped folder would otherwise pass with nothing checked.
    if (found == 0) {
      std::cerr << argv[i] << ": no .toml files to replay\n";
      return 1;
    }
  }
  std::sort(files.begin(), files.end());
  int accepted = 0, refused = 0, failed = 0, mismatched = 0;
  for (const fs::path& expected : expectations) {
    fs::path input = expected;
    input.replace_extension();  // FILE.toml.expected -> FILE.toml
    if (!fs::exists(input)) {
      ++failed;
      std::cerr << expected.string() << ": FAILED: no " << input.filename().string() << " beside it\n";
    }
  }
  for (const fs::path& file : files) {
    const std::string bytes = read_text(file);
    std::string got;
    try {
      got = clara::fuzz::check_config_bytes(
          {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
    } catch (const std::exception& e) {
      ++failed;
      std::cerr << file.string() << ": FAILED: " << e.what() << "\n";
      continue;
    }
    (got.rfind("accepted", 0) == 0 ? accepted : refused)++;
    const fs::path expected_path = file.string() + ".expected";
    if (update) {
      std::ofstream(expected_path, std::ios::binary) << got;
      continue;
    }
    if (!fs::exists(expected_path)) {
      ++mismatched;
      std::cerr << file.string() << ": FAILED: no " << expected_path.filename().string()
                << " (write it with --update once the outcome is checked by hand); got:\n"
                << got;
      continue;
    }
    const std::string want = read_text(expected_path);
    if (got != want) {
      ++mismatched;
      std::cerr << file.string() << ": FAILED: outcome differs from " << expected_path.filename().string()
                << "\n--- expected\n"
                << want << "--- got\n"
                << got;
    }
  }
  std::cout << files.size() << " files: " << accepted << " accepted, " << refused << " refused cleanly, " << failed
            << " failed, " << mismatched << " not as expected" << (update ? " (expected files written)" : "")
            << "\n";
  return failed == 0 && mismatched == 0 ? 0 : 1;
}
