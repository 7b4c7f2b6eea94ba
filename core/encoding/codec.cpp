#include "core/encoding/codec.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "core/encoding/chordwise_codec.hpp"
#include "core/encoding/notewise_codec.hpp"

namespace clara {

std::vector<std::string> encode(const GridPiece& piece, const EncodingSpec& spec) {
  return spec.encoding == Encoding::chordwise ? encode_chordwise(piece, spec)
                                              : encode_notewise(piece, spec);
}

std::string encode_line(const GridPiece& piece, const EncodingSpec& spec) {
  std::string line;
  if (spec.encoding == Encoding::chordwise) {
    for (const std::string& t : encode_chordwise(piece, spec)) {
      if (!line.empty()) line += ' ';
      line += t;
    }
  } else {
    append_notewise_line(piece, spec, line);
  }
  return line;
}

GridPiece parse_tokens(std::span<const std::string> tokens, const EncodingSpec& spec,
                       DecodeCounts& counts) {
  return spec.encoding == Encoding::chordwise ? decode_chordwise(tokens, spec, counts)
                                              : decode_notewise(tokens, spec, counts);
}

std::vector<std::string> encode_score(const Score& score, const EncodingSpec& spec,
                                      EncodeCounts& counts) {
  return encode(quantise(score, spec, counts), spec);
}

namespace {

bool is_lower_letter(char c) { return c >= 'a' && c <= 'z'; }

// Body length of a chordwise token whose prefix is its leading lower-case letters
// before a 0/1 run, or 0 when it is not one. Rest tokens are handled by the caller.
std::size_t chord_body(std::string_view t) {
  const std::size_t p = t.find_first_not_of("abcdefghijklmnopqrstuvwxyz");
  if (p == 0 || p == std::string_view::npos) return 0;
  const std::string_view body = t.substr(p);
  return body.size() >= 12 && body.find_first_not_of("01") == std::string_view::npos ? body.size() : 0;
}

}  // namespace

EncodingSpec detect_spec(std::span<const std::string> tokens) {
  std::set<std::string> prefixes;
  std::size_t chord_size = 0;
  int max_index = -1;
  for (const std::string& token : tokens) {
    if (std::size_t n = chord_body(token)) {
      chord_size = n;
      prefixes.insert(token.substr(0, token.size() - n));
      continue;
    }
    std::string_view t = token;
    if (t.starts_with("wait")) continue;
    if (t.starts_with("end")) t.remove_prefix(3);
    const std::size_t digit = t.find_first_of("0123456789");
    if (digit == std::string_view::npos || digit == 0) continue;
    if (!std::all_of(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(digit), is_lower_letter)) continue;
    const std::string_view num = t.substr(digit);
    if (num.size() > 3 || num.find_first_not_of("0123456789") != std::string_view::npos) continue;
    prefixes.emplace(t.substr(0, digit));
    max_index = std::max(max_index, std::stoi(std::string(num)));
  }
  const std::set<std::string> piano{"p"}, solo{"v", "p"}, quartet{"vi", "vii", "vla", "vc"};
  auto subset = [&](const std::set<std::string>& of) {
    return !prefixes.empty() &&
           std::includes(of.begin(), of.end(), prefixes.begin(), prefixes.end());
  };
  EncodingSpec spec;
  if (chord_size > 0) {
    spec = EncodingSpec::defaults(Encoding::chordwise);
    spec.range = chord_size == 38 ? NoteRange::small() : NoteRange{33, static_cast<int>(chord_size)};
  } else if (subset(piano)) {
    spec = EncodingSpec::defaults(Encoding::notewise);
  } else {
    spec = EncodingSpec::defaults(Encoding::chamber);
  }
  if (subset(piano))
    spec.parts = PartTable::piano();
  else if (subset(solo))
    spec.parts = PartTable::solo_piano();
  else if (subset(quartet))
    spec.parts = PartTable::string_quartet();
  else
    throw EncodingError(prefixes.empty()
                            ? std::string("no note tokens found: cannot tell which encoding wrote them")
                            : "part prefixes match no known part table (first: '" + *prefixes.begin() + "')");
  if (chord_size == 0 && max_index >= spec.range.size)
    throw EncodingError("pitch index " + std::to_string(max_index) + " is outside the 62-note range");
  return spec;
}

}  // namespace clara
