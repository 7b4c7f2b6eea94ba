#pragma once
// The driver the OSC and config regression runners share: every FILE.<ext> of the given
// directories goes through `check`, whose outcome text must equal FILE.<ext>.expected
// (--update rewrites those instead). A check that throws is a failure (a crash the fuzzer
// would report); an .expected without its input, an input without its .expected and an
// empty folder fail too, so nothing passes with nothing checked.
//   RUNNER DIRECTORY...            check
//   RUNNER --update DIRECTORY...   (re)write the .expected files
#include <algorithm>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

namespace clara::fuzz {

struct Outcome {
  std::string text;  // what the .expected file holds
  bool first_kind;   // counted as `first_word` (decoded, accepted) or as refused cleanly
};

inline std::string read_file_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline int run_expected_outcomes(int argc, char** argv, const std::string& extension, const char* first_word,
                                 const std::function<Outcome(std::span<const std::uint8_t>)>& check) {
  namespace fs = std::filesystem;
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
        if (entry.path().extension() == extension) {
          files.push_back(entry.path());
          ++found;
        }
        if (entry.path().extension() == ".expected") expectations.push_back(entry.path());
      }
    } catch (const fs::filesystem_error& e) {
      std::cerr << e.what() << "\n";
      return 2;
    }
    if (found == 0) {
      std::cerr << argv[i] << ": no " << extension << " files to replay\n";
      return 1;
    }
  }
  std::sort(files.begin(), files.end());
  int first = 0, refused = 0, failed = 0, mismatched = 0;
  for (const fs::path& expected : expectations) {
    fs::path input = expected;
    input.replace_extension();  // FILE.ext.expected -> FILE.ext
    if (!fs::exists(input)) {
      ++failed;
      std::cerr << expected.string() << ": FAILED: no " << input.filename().string() << " beside it\n";
    }
  }
  for (const fs::path& file : files) {
    const std::string bytes = read_file_bytes(file);
    Outcome got;
    try {
      got = check({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
    } catch (const std::exception& e) {
      ++failed;
      std::cerr << file.string() << ": FAILED: " << e.what() << "\n";
      continue;
    }
    (got.first_kind ? first : refused)++;
    const fs::path expected_path = file.string() + ".expected";
    if (update) {
      std::ofstream(expected_path, std::ios::binary) << got.text;
      continue;
    }
    if (!fs::exists(expected_path)) {
      ++mismatched;
      std::cerr << file.string() << ": FAILED: no " << expected_path.filename().string()
                << " (write it with --update once the outcome is checked by hand); got:\n"
                << got.text;
      continue;
    }
    const std::string want = read_file_bytes(expected_path);
    if (got.text != want) {
      ++mismatched;
      std::cerr << file.string() << ": FAILED: outcome differs from " << expected_path.filename().string()
                << "\n--- expected\n"
                << want << "--- got\n"
                << got.text;
    }
  }
  std::cout << files.size() << " files: " << first << " " << first_word << ", " << refused << " refused cleanly, "
            << failed << " failed, " << mismatched << " not as expected"
            << (update ? " (expected files written)" : "") << "\n";
  return failed == 0 && mismatched == 0 ? 0 : 1;
}

}  // namespace clara::fuzz
