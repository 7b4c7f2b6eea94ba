// clara decode: tokens back to a MIDI file, with a chosen tempo, velocity and
// program per instrument. The encoding comes from the flags, else from the
// manifest beside the token file, else it is recognised from the tokens.
#include <iostream>
#include <sstream>

#include "core/encoding/codec.hpp"
#include "core/midi/midi_file.hpp"
#include "tools/clara/cli.hpp"
#include "tools/clara/manifest_spec.hpp"
#include "tools/clara/spec_options.hpp"
#include "tools/clara/token_io.hpp"

namespace clara::cli {
namespace {

std::vector<int> parse_programs(const std::string& text) {
  std::vector<int> out;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) {
    char* end = nullptr;
    long v = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v < 0 || v > 127)
      throw UsageError("option --program: '" + item + "' is not a GM program 0..127");
    out.push_back(static_cast<int>(v));
  }
  return out;
}

int run(const Args& args) {
  const std::string input = args.positional()[0];
  const std::string out = args.require("--out");
  auto lines = read_token_lines(input);
  long line = args.get_int("--line", 0, 1, std::numeric_limits<long>::max());
  if (line > static_cast<long>(lines.size()))
    throw UsageError("option --line: " + std::to_string(line) + " but " + input + " has " +
                     std::to_string(lines.size()) + " lines");
  std::vector<std::string> tokens;
  if (line > 0) {
    tokens = lines[static_cast<std::size_t>(line - 1)];
  } else {
    for (auto& l : lines) tokens.insert(tokens.end(), l.begin(), l.end());
  }
  if (tokens.empty()) throw DataError(input + ": no tokens");

  const EncodingSpec spec = resolve_spec(args, input, tokens);
  DecodeOptions options;
  options.bpm = args.get_double("--tempo", 120.0, 1.0, 1000.0);
  options.velocity = static_cast<int>(args.get_int("--velocity", 80, 1, 127));
  if (auto p = args.get("--program")) {
    options.programs = parse_programs(*p);
    if (options.programs.size() != spec.parts.entries.size())
      throw UsageError("option --program: " + std::to_string(options.programs.size()) +
                       " programs for " + std::to_string(spec.parts.entries.size()) + " parts (" +
                       spec.parts.name + ")");
  }
  DecodeCounts counts;
  GridPiece grid = parse_tokens(tokens, spec, counts);
  Score score = to_score(grid, spec, options);
  write_midi_file(out, score);
  std::cout << "decoded " << counts.tokens << " " << to_string(spec.encoding) << " tokens (" << spec.sample_freq
            << " steps/quarter) into " << score.note_count() << " notes, " << score.length_quarters()
            << " quarters at " << options.bpm << " bpm -> " << out << "\n";
  if (counts.invalid || counts.unmatched_ends || counts.duplicate_onsets || counts.unclosed)
    std::cout << "  repaired: " << counts.invalid << " invalid tokens skipped, " << counts.unmatched_ends
              << " unmatched ends, " << counts.duplicate_onsets << " duplicate onsets, " << counts.unclosed
              << " notes never closed (given " << 12 << " steps)\n";
  return kOk;
}

OptionSpec options() {
  OptionSpec o;
  o.positional("TOKENS", "token file (one piece a line), or - for standard input", 1, 1)
      .valued("--out", "FILE.mid", "output MIDI file (required)")
      .valued("--tempo", "BPM", "tempo of the output (default 120)")
      .valued("--velocity", "V", "velocity of every note, 1..127 (default 80)")
      .valued("--program", "P,...", "GM program (0-based) per part, in part-table order")
      .valued("--line", "K", "decode only line K (1-based) instead of the whole file");
  add_spec_options(o);
  return o;
}

}  // namespace

extern const Command decode_command{
    "decode", "tokens back to a MIDI file",
    "Reads tokens (a file, or - for stdin; one piece a line) and writes a type-1 MIDI file.\n"
    "The encoding is taken from the spec options, else from manifest.toml beside the file,\n"
    "else recognised from the tokens.\n",
    options(), run};

}  // namespace clara::cli
