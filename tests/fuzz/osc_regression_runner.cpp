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

#include "tests/fuzz/expected_outcomes.hpp"
#include "tests/fuzz/osc_fuzz_check.hpp"

namespace {

namespace osc = clara::osc;

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
  return clara::fuzz::run_expected_outcomes(argc, argv, ".osc", "decoded", [](std::span<const std::uint8_t> bytes) {
    clara::fuzz::check_osc_bytes(bytes);
    const bool decoded = clara::fuzz::check_osc_packet(bytes);
    return clara::fuzz::Outcome{describe(bytes), decoded};
  });
}
