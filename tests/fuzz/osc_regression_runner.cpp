// Replays every .osc file of the given directories through the OSC fuzz target's
// checks, without libFuzzer, so each hostile input (hand-made or found by the
// fuzzer) and each seed stays a plain ctest. Beyond "no crash", each file's
// outcome must be the one recorded beside it in FILE.osc.expected: the packet
// decoder's error or every message it decoded (timetag, tags, text), and for
// each stream framing the frames found and the error. A decoder that starts
// accepting what it refused, refuses at another byte, or reads other values
// fails here.
//   osc_regression_runner DIRECTORY...            check
//   osc_regression_runner --update DIRECTORY...   (re)write the .expected files
#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "tests/fuzz/osc_fuzz_check.hpp"

namespace {

namespace fs = std::filesystem;
namespace osc = clara::osc;

std::vector<std::uint8_t> read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string hex64(std::uint64_t v) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%016llX", static_cast<unsigned long long>(v));
  return text;
}

// The packet's outcome, then each framing's, one line per item.
std::string describe(std::span<const std::uint8_t> bytes) {
  std::ostringstream out;
  const osc::DecodeResult r = osc::decode_packet(bytes);
  if (const auto* e = std::get_if<osc::DecodeError>(&r)) {
    out << "packet refused: " << e->what << "\n";
  } else {
    const auto& messages = std::get<std::vector<osc::TimedOscMessage>>(r);
    out << "packet: " << messages.size() << " messages\n";
    for (const auto& t : messages)
      out << "message " << hex64(t.timetag) << " ," << t.message.types << " "
          << osc::to_text(t.message) << "\n";
  }
  const std::pair<osc::Framing, const char*> framings[] = {
      {osc::Framing::detect, "detect"},
      {osc::Framing::size_prefix, "size_prefix"},
      {osc::Framing::slip, "slip"}};
  for (const auto& [framing, name] : framings) {
    const clara::fuzz::StreamOutcome s = clara::fuzz::check_osc_stream(framing, bytes);
    out << "stream " << name << ": " << s.frames.size() << " frames";
    for (const auto& f : s.frames) {
      const osc::DecodeResult fr = osc::decode_packet(f);
      out << " [" << f.size() << " bytes, ";
      if (const auto* e = std::get_if<osc::DecodeError>(&fr))
        out << "refused at byte " << e->offset << "]";
      else
        out << std::get<std::vector<osc::TimedOscMessage>>(fr).size() << " messages]";
    }
    out << (s.error ? ", error: " + *s.error : ", no error") << "\n";
  }
  return out.str();
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
        if (entry.path().extension() == ".osc") {
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
      std::cerr << argv[i] << ": no .osc files to replay\n";
      return 1;
    }
  }
  std::sort(files.begin(), files.end());
  int decoded = 0, refused = 0, failed = 0, mismatched = 0;
  for (const fs::path& expected : expectations) {
    fs::path input = expected;
    input.replace_extension();  // FILE.osc.expected -> FILE.osc
    if (!fs::exists(input)) {
      ++failed;
      std::cerr << expected.string() << ": FAILED: no " << input.filename().string()
                << " beside it\n";
    }
  }
  for (const fs::path& file : files) {
    const std::vector<std::uint8_t> bytes = read_bytes(file);
    std::string got;
    try {
      clara::fuzz::check_osc_bytes(bytes);
      (clara::fuzz::check_osc_packet(bytes) ? decoded : refused)++;
      got = describe(bytes);
    } catch (const std::exception& e) {
      ++failed;
      std::cerr << file.string() << ": FAILED: " << e.what() << "\n";
      continue;
    }
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
      std::cerr << file.string() << ": FAILED: outcome differs from "
                << expected_path.filename().string() << "\n--- expected\n"
                << want << "--- got\n"
                << got;
    }
  }
  std::cout << files.size() << " files: " << decoded << " decoded, " << refused
            << " refused cleanly, " << failed << " failed, " << mismatched << " not as expected"
            << (update ? " (expected files written)" : "") << "\n";
  return failed == 0 && mismatched == 0 ? 0 : 1;
}
