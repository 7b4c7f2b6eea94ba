#pragma once
// The config loader reports each problem as one line, "FILE:LINE:COLUMN: KEY: WHY". Tests
// that name the line but not the column (toml++'s, of the value or key at fault) use this.
#include <cctype>
#include <sstream>
#include <string>

namespace clara::daemon::test {

// Whether a line of `error` is "PATH:LINE:COLUMN: " + `rest`... for some column.
inline bool has_problem(const std::string& error, const std::string& path, int line, const std::string& rest) {
  const std::string prefix = path + ":" + std::to_string(line) + ":";
  std::istringstream in(error);
  for (std::string l; std::getline(in, l);) {
    if (l.compare(0, prefix.size(), prefix) != 0) continue;
    std::size_t i = prefix.size();
    const std::size_t digits = i;
    while (i < l.size() && std::isdigit(static_cast<unsigned char>(l[i]))) ++i;
    if (i > digits && l.compare(i, 2 + rest.size(), ": " + rest) == 0) return true;
  }
  return false;
}

// The number of lines of `error`: one per problem.
inline int problem_count(const std::string& error) {
  if (error.empty()) return 0;
  int n = 1;
  for (const char c : error) n += c == '\n';
  return n;
}

}  // namespace clara::daemon::test
