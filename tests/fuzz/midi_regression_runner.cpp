// Replays every file of a directory through the fuzz target's check, without
// libFuzzer, so each crash the fuzzer ever found stays a plain ctest.
#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

#include "tests/fuzz/midi_fuzz_check.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " DIRECTORY\n";
    return 2;
  }
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  try {
    for (const auto& entry : fs::recursive_directory_iterator(argv[1]))
      if (entry.is_regular_file()) files.push_back(entry.path());
  } catch (const fs::filesystem_error& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  std::sort(files.begin(), files.end());
  int parsed = 0, rejected = 0, failed = 0;
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                          std::istreambuf_iterator<char>());
    try {
      (clara::fuzz::check_midi_bytes(bytes) ? parsed : rejected)++;
    } catch (const std::exception& e) {
      ++failed;
      std::cerr << file.string() << ": FAILED: " << e.what() << "\n";
    }
  }
  std::cout << files.size() << " files: " << parsed << " parsed, " << rejected
            << " rejected cleanly, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}
