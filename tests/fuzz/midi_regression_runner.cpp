// Replays every .mid file of a directory through the fuzz target's check, without
// libFuzzer, so each hostile file (hand-made or found by the fuzzer) stays a plain
// ctest. Beyond "no crash", each file's outcome must be the one recorded beside it
// in FILE.mid.expected: the reader's error message for a file it rejects, or
// every part, note, tempo change and time signature it read. A reader that starts
// accepting a file it refused, refuses it at another byte, or reads other notes
// fails here.
//   midi_regression_runner DIRECTORY            check
//   midi_regression_runner --update DIRECTORY   (re)write the .expected files
#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "core/midi/midi_file.hpp"
#include "tests/fuzz/midi_fuzz_check.hpp"

namespace {

namespace fs = std::filesystem;

std::vector<std::uint8_t> read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The whole parse result, one line per item, doubles at full precision so that
// any change of a time shows.
std::string describe(std::span<const std::uint8_t> bytes) {
  std::ostringstream out;
  out.precision(17);
  clara::Score score;
  try {
    score = clara::read_midi(bytes);
  } catch (const clara::MidiFileError& e) {
    out << "rejected: " << e.what() << "\n";
    return out.str();
  }
  out << "parsed: " << score.parts.size() << " parts, " << score.note_count() << " notes\n";
  for (const auto& t : score.tempo_map) out << "tempo " << t.quarter << " " << t.bpm << "\n";
  for (const auto& s : score.time_signatures)
    out << "time_signature " << s.quarter << " " << s.numerator << "/" << s.denominator << "\n";
  for (std::size_t i = 0; i < score.parts.size(); ++i) {
    const auto& p = score.parts[i];
    out << "part " << i << " name '" << p.name << "' program " << p.program << " channel " << p.channel
        << " track " << p.track << "\n";
    for (const auto& n : p.notes)
      out << "note " << n.pitch << " " << n.start << " " << n.end << " " << n.velocity << "\n";
  }
  return out.str();
}

}  // namespace

int main(int argc, char** argv) {
  const bool update = argc == 3 && std::string(argv[1]) == "--update";
  if (argc != 2 && !update) {
    std::cerr << "usage: " << argv[0] << " [--update] DIRECTORY\n";
    return 2;
  }
  const fs::path dir = argv[argc - 1];
  std::vector<fs::path> files, expectations;
  try {
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file()) continue;
      if (entry.path().extension() == ".mid") files.push_back(entry.path());
      if (entry.path().extension() == ".expected") expectations.push_back(entry.path());
    }
  } catch (const fs::filesystem_error& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  // An empty or mistyped folder would otherwise pass with nothing checked.
  if (files.empty()) {
    std::cerr << dir.string() << ": no .mid files to replay\n";
    return 1;
  }
  std::sort(files.begin(), files.end());
  int parsed = 0, rejected = 0, failed = 0, mismatched = 0;
  for (const fs::path& expected : expectations) {
    fs::path mid = expected;
    mid.replace_extension();  // FILE.mid.expected -> FILE.mid
    if (!fs::exists(mid)) {
      ++failed;
      std::cerr << expected.string() << ": FAILED: no " << mid.filename().string() << " beside it\n";
    }
  }
  for (const fs::path& file : files) {
    const std::vector<std::uint8_t> bytes = read_bytes(file);
    try {
      (clara::fuzz::check_midi_bytes(bytes) ? parsed : rejected)++;
    } catch (const std::exception& e) {
      ++failed;
      std::cerr << file.string() << ": FAILED: " << e.what() << "\n";
      continue;
    }
    const std::string got = describe(bytes);
    const fs::path expected_path = file.string() + ".expected";
    if (update) {
      std::ofstream(expected_path, std::ios::binary) << got;
      continue;
    }
    if (!fs::exists(expected_path)) {
      ++mismatched;
      std::cerr << file.string() << ": FAILED: no " << expected_path.filename().string()
                << " (write it with --update once the outcome is checked by hand); got:\n" << got;
      continue;
    }
    const std::string want = read_text(expected_path);
    if (got != want) {
      ++mismatched;
      std::cerr << file.string() << ": FAILED: outcome differs from " << expected_path.filename().string()
                << "\n--- expected\n" << want << "--- got\n" << got;
    }
  }
  std::cout << files.size() << " files: " << parsed << " parsed, " << rejected << " rejected cleanly, "
            << failed << " failed, " << mismatched << " not as expected" << (update ? " (expected files written)" : "")
            << "\n";
  return failed == 0 && mismatched == 0 ? 0 : 1;
}
