#include "tools/clara/token_io.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "tools/clara/cli.hpp"

namespace clara::cli {

std::vector<std::vector<std::string>> read_token_lines(const std::string& path) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    if (!std::filesystem::exists(path)) throw NoInputError(path + ": no such file");
    file.open(path, std::ios::binary);
    if (!file) throw NoInputError(path + ": cannot open");
    in = &file;
  }
  std::vector<std::vector<std::string>> lines;
  std::string line;
  while (std::getline(*in, line)) {
    std::istringstream ss(line);
    std::vector<std::string> tokens;
    for (std::string t; ss >> t;) tokens.push_back(std::move(t));
    if (!tokens.empty()) lines.push_back(std::move(tokens));
  }
  if (in->bad()) throw DataError(path + ": read error");
  return lines;
}

std::string join_tokens(const std::vector<std::string>& tokens) {
  std::size_t n = 0;
  for (const auto& t : tokens) n += t.size() + 1;
  std::string out;
  out.reserve(n);
  for (const auto& t : tokens) {
    if (!out.empty()) out.push_back(' ');
    out += t;
  }
  return out;
}

}  // namespace clara::cli
