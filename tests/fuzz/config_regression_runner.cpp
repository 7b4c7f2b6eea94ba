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
#include "tests/fuzz/expected_outcomes.hpp"

int main(int argc, char** argv) {
  return clara::fuzz::run_expected_outcomes(argc, argv, ".toml", "accepted", [](std::span<const std::uint8_t> bytes) {
    std::string text = clara::fuzz::check_config_bytes(bytes);
    const bool accepted = text.rfind("accepted", 0) == 0;
    return clara::fuzz::Outcome{std::move(text), accepted};
  });
}
