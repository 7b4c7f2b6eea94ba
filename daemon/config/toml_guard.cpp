#include "daemon/config/toml_guard.hpp"

#include <cstdint>
#include <cstdio>
#include <vector>

namespace clara::daemon {

namespace {

// The byte offset where the first ill-formed UTF-8 sequence starts (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF, nothing cut short), or npos.
std::size_t first_invalid_utf8(std::string_view text) {
  const auto* b = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = b[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    int more = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the range of the byte after the first
    if (c >= 0xC2 && c <= 0xDF) more = 1;
    else if (c == 0xE0) more = 2, lo = 0xA0;
    else if (c == 0xED) more = 2, hi = 0x9F;  // U+D800..DFFF are surrogates
    else if (c >= 0xE1 && c <= 0xEF) more = 2;
    else if (c == 0xF0) more = 3, lo = 0x90;
    else if (c == 0xF4) more = 3, hi = 0x8F;  // nothing above U+10FFFF
    else if (c >= 0xF1 && c <= 0xF3) more = 3;
    else return i;
    for (int k = 1; k <= more; ++k) {
      if (i + k >= n) return i;
      const unsigned char lo_k = k == 1 ? lo : 0x80, hi_k = k == 1 ? hi : 0xBF;
      if (b[i + k] < lo_k || b[i + k] > hi_k) return i;
    }
    i += static_cast<std::size_t>(more) + 1;
  }
  return std::string_view::npos;
}

// Line and column (1-based, in code points) of `offset`, as toml++ counts them.
struct Place {
  int line = 1, column = 1;
};
Place place_of(std::string_view text, std::size_t offset) {
  Place p;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') p.line++, p.column = 1;
    else if ((c & 0xC0) != 0x80) p.column++;
  }
  return p;
}

std::string at(const std::string& name, const Place& p) {
  return name + ":" + std::to_string(p.line) + ":" + std::to_string(p.column);
}

struct Structural {
  std::size_t offset = std::string_view::npos;
  enum Kind { too_deep, non_ascii, header_key, mismatched } kind = too_deep;
};

// Where the text first nests deeper than kMaxConfigNesting, or has a non-ASCII character
// outside strings and comments (TOML 1.0 has none there, and toml++ asserts rather than
// checks some: `[U+2028]` fails an assertion in its parse_key(), and `tempo = 1'ö` reaches
// TOML_UNREACHABLE in is_non_ascii_horizontal_whitespace() for U+00A1..U+0499), or a table header whose
// first key does not start with a key character or a quote (`[` then a newline: the same
// assertion, TOML_ASSERT_ASSUME, an optimiser assumption in Debian's build). Not a TOML parser: it only
// tells strings and comments (whose brackets and dots are text) from the rest, and keys (whose
// dots nest tables) from values (where 1.5 is a number). Text it misreads is malformed TOML,
// which toml++ then refuses.
Structural first_structural_problem(std::string_view s) {
  struct Open {
    char bracket;  // '[' array or '{' inline table
    int keys;      // inline table: segments of the key being defined in it
    // An array is a level; an inline table is the value of the key before it, so its levels
    // are its keys' segments.
    int levels() const { return bracket == '[' ? 1 : keys; }
  };
  std::vector<Open> open;
  int header = 0;       // segments of the last [table] / [[array]] header
  int line_keys = 1;    // segments of this line's key
  bool in_key = true;   // reading a key: its dots open tables
  bool line_start = true;
  // Where a key segment or a value may start: only there does a quote open a string (in
  // `tempo = 1'x'` the quote is stray text, and so is whatever follows it).
  bool atom_start = true;
  auto depth = [&] {
    int d = header + line_keys;
    for (const Open& o : open) d += o.levels();
    return d;
  };
  const std::size_t n = s.size();
  // A byte-order mark may open the file (toml++ skips it): it is no character of the text.
  for (std::size_t i = s.starts_with("\xEF\xBB\xBF") ? 3 : 0; i < n; ++i) {
    const char c = s[i];
    auto starts = [&](std::string_view what) { return s.substr(i, what.size()) == what; };
    if (c == '\n') {
      if (open.empty()) in_key = true, line_keys = 1, line_start = true;
      atom_start = true;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') continue;
    if (static_cast<unsigned char>(c) >= 0x80) return {i, Structural::non_ascii};
    const bool first = line_start;
    line_start = false;
    if (c == '#') {
      while (i + 1 < n && s[i + 1] != '\n') ++i;
    } else if ((c == '"' || c == '\'') && atom_start) {
      atom_start = false;
      // A string, or a quoted key: its content is text. A backslash escapes the next byte
      // in basic strings only; a one-line string also ends at the end of its line.
      const bool basic = c == '"';
      const bool multi = starts(basic ? "\"\"\"" : "'''");
      i += multi ? 3 : 1;
      for (; i < n; ++i) {
        if (basic && s[i] == '\\') {
          ++i;
        } else if (multi ? starts(basic ? "\"\"\"" : "'''") : s[i] == c) {
          if (multi) i += 2;
          break;
        } else if (!multi && s[i] == '\n') {
          --i;  // the newline is the line's, not the string's
          break;
        }
      }
    } else if (c == '[' && first && open.empty()) {
      // A table header: each of its dots opens a table below the root.
      header = 1;
      line_keys = 0;
      if (i + 1 < n && s[i + 1] == '[') ++i;
      std::size_t k = i + 1;
      while (k < n && (s[k] == ' ' || s[k] == '\t')) ++k;
      const auto key_start = [](char ch) {
        return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ||
               ch == '-' || ch == '"' || ch == '\'' || ch == ']';
      };
      if (k < n && !key_start(s[k])) return {k, Structural::header_key};
      for (++i; i < n && s[i] != ']' && s[i] != '\n'; ++i) {
        if (s[i] == '"' || s[i] == '\'') {
          const char q = s[i];
          for (++i; i < n && s[i] != q && s[i] != '\n'; ++i)
            if (q == '"' && s[i] == '\\') ++i;
          if (i >= n || s[i] == '\n') break;
        } else if (static_cast<unsigned char>(s[i]) >= 0x80) {
          return {i, Structural::non_ascii};
        } else if (s[i] == '.' && ++header > kMaxConfigNesting) {
          return {i, Structural::too_deep};
        }
      }
      in_key = false;
      if (i < n && s[i] == '\n') --i;
    } else if (c == '.' && in_key) {
      int& keys = open.empty() ? line_keys : open.back().keys;
      ++keys;
      atom_start = true;
      if (depth() > kMaxConfigNesting) return {i, Structural::too_deep};
    } else if (c == '=') {
      in_key = false;
      atom_start = true;
    } else if (c == '[' || c == '{') {
      open.push_back({c, c == '{' ? 1 : 0});
      in_key = c == '{';
      atom_start = true;
      if (depth() > kMaxConfigNesting) return {i, Structural::too_deep};
    } else if (c == ']' || c == '}') {
      // `e=[}`: toml++ hands the '}' to parse_value(), which assumes it is no terminator.
      if (!open.empty() && open.back().bracket != (c == ']' ? '[' : '{')) return {i, Structural::mismatched};
      if (!open.empty()) open.pop_back();
      in_key = false;
      atom_start = false;
    } else if (c == ',') {
      if (!open.empty() && open.back().bracket == '{') open.back().keys = 1, in_key = true;
      atom_start = true;
    } else {
      atom_start = false;  // a bare key, a number, true, a date...
    }
  }
  return {};
}

}  // namespace

std::optional<std::string> toml_text_problem(std::string_view text, const std::string& name) {
  if (text.size() > kMaxConfigBytes)
    return name + ": " + std::to_string(text.size()) + " bytes, more than the " + std::to_string(kMaxConfigBytes) +
           " (64 KiB) a config file may hold";
  if (const std::size_t bad = first_invalid_utf8(text); bad != std::string_view::npos) {
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[bad]));
    return at(name, place_of(text, bad)) + ": invalid UTF-8 (the sequence at byte offset " + std::to_string(bad) +
           ", starting 0x" + (byte + 2) + "): a config file is UTF-8 text";
  }
  const Structural p = first_structural_problem(text);
  if (p.offset == std::string_view::npos) return std::nullopt;
  const std::string where = at(name, place_of(text, p.offset)) + ": ";
  switch (p.kind) {
    case Structural::non_ascii:
      return where + "a non-ASCII character outside a string or comment (TOML keys and values outside quotes are "
                     "ASCII; quote the key)";
    case Structural::header_key:
      return where + "a table header must start with a key: a letter, digit, '_', '-' or a quoted key";
    case Structural::mismatched:
      return where + "'" + text[p.offset] + "' closes " + (text[p.offset] == ']' ? "an inline table ('{')" : "an array ('[')");
    case Structural::too_deep:
      break;
  }
  return where + "nested deeper than " + std::to_string(kMaxConfigNesting) +
         " levels (table headers, dotted keys, arrays and inline tables together); clarad's settings need 3";
}

}  // namespace clara::daemon
