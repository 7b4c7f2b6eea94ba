#pragma once
// Reading token text: files or stdin, one piece per line, tokens separated by
// whitespace. Shared by decode, stats and the model commands.
#include <string>
#include <vector>

namespace clara::cli {

// Lines of `path` ("-" = stdin), each split into tokens; blank lines dropped.
// NoInputError when the file does not exist.
std::vector<std::vector<std::string>> read_token_lines(const std::string& path);
// Joins tokens with single spaces.
std::string join_tokens(const std::vector<std::string>& tokens);

}  // namespace clara::cli
