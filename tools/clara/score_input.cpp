#include "tools/clara/score_input.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <limits>

#include "core/encoding/codec.hpp"
#include "core/midi/midi_file.hpp"
#include "tools/clara/manifest_spec.hpp"
#include "tools/clara/spec_options.hpp"
#include "tools/clara/token_io.hpp"

namespace clara::cli {
namespace fs = std::filesystem;
namespace {

bool looks_like_midi(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == ".mid" || ext == ".midi") return true;
  std::ifstream in(path, std::ios::binary);
  char head[4] = {};
  in.read(head, 4);
  return in.gcount() == 4 && std::string(head, 4) == "MThd";
}

}  // namespace

void add_score_input_options(OptionSpec& spec) {
  spec.valued("--tempo", "BPM", "token input: tempo to decode at (default 120)")
      .valued("--velocity", "V", "token input: velocity of every note, 1..127 (default 80)")
      .valued("--line", "K", "token input: only line K (1-based) instead of the whole file");
  add_spec_options(spec);
}

Score read_score_input(const Args& args, const std::string& path) {
  if (path != "-" && !fs::exists(path)) throw NoInputError(path + ": no such file");
  if (path != "-" && fs::is_directory(path)) throw NoInputError(path + ": a folder, not a file");
  if (path != "-" && looks_like_midi(path)) {
    try {
      return read_midi_file(path);
    } catch (const MidiFileError& e) {
      throw DataError(e.what());
    }
  }
  const auto lines = read_token_lines(path);
  const long line = args.get_int("--line", 0, 1, std::numeric_limits<long>::max());
  if (line > static_cast<long>(lines.size()))
    throw UsageError("option --line: " + std::to_string(line) + " but " + path + " has " +
                     std::to_string(lines.size()) + " lines");
  std::vector<std::string> tokens;
  if (line > 0) tokens = lines[static_cast<std::size_t>(line - 1)];
  else
    for (const auto& l : lines) tokens.insert(tokens.end(), l.begin(), l.end());
  if (tokens.empty()) throw DataError(path + ": neither a MIDI file nor token text (no tokens)");
  const EncodingSpec spec = resolve_spec(args, path, tokens);
  DecodeOptions options;
  options.bpm = args.get_double("--tempo", 120.0, 1.0, 1000.0);
  options.velocity = static_cast<int>(args.get_int("--velocity", 80, 1, 127));
  DecodeCounts counts;
  const GridPiece grid = parse_tokens(tokens, spec, counts);
  if (counts.tokens > 0 && counts.invalid == counts.tokens)
    throw DataError(path + ": no valid " + std::string(to_string(spec.encoding)) + " token in " + std::to_string(counts.tokens));
  return to_score(grid, spec, options);
}

}  // namespace clara::cli
