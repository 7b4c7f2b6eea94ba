#include "core/encoding/vocabulary.hpp"

#include <fstream>
#include <stdexcept>

namespace clara {

const std::vector<std::string>& Vocabulary::specials() {
  static const std::vector<std::string> s{"<unk>", "<pad>", "<eos>"};
  return s;
}

Vocabulary::Vocabulary() {
  for (std::size_t i = 0; i < specials().size(); ++i) add(specials()[i], i + 1);
}

Vocabulary::Vocabulary(const std::vector<std::string>& tokens) : Vocabulary() {
  for (std::size_t i = 0; i < tokens.size(); ++i) add(tokens[i], i + 1);
}

void Vocabulary::add(const std::string& token, std::size_t line) {
  if (token.empty() || token.find_first_of(" \t\r\n") != std::string::npos)
    throw std::invalid_argument("vocabulary entry " + std::to_string(line) +
                                ": token is empty or contains whitespace");
  if (!ids_.emplace(token, static_cast<int>(tokens_.size())).second)
    throw std::invalid_argument("vocabulary entry " + std::to_string(line) + ": duplicate token '" +
                                token + "'");
  tokens_.push_back(token);
}

int Vocabulary::id(std::string_view token) const {
  auto it = ids_.find(std::string(token));
  return it == ids_.end() ? kUnk : it->second;
}

bool Vocabulary::contains(std::string_view token) const {
  return ids_.count(std::string(token)) != 0;
}

const std::string& Vocabulary::token(int id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= tokens_.size())
    throw std::out_of_range("token id " + std::to_string(id) + " outside vocabulary of " +
                            std::to_string(tokens_.size()));
  return tokens_[static_cast<std::size_t>(id)];
}

void Vocabulary::save(const std::filesystem::path& path) const {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw std::runtime_error(path.string() + ": cannot open for writing");
  for (const auto& t : tokens_) out << t << '\n';
  if (!out) throw std::runtime_error(path.string() + ": write failed");
}

Vocabulary Vocabulary::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path.string() + ": cannot open vocabulary");
  Vocabulary v;
  std::string line;
  std::size_t n = 0;
  v.tokens_.clear();
  v.ids_.clear();
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (n <= specials().size() && line != specials()[n - 1])
      throw std::runtime_error(path.string() + ":" + std::to_string(n) + ": expected special token '" +
                               specials()[n - 1] + "', found '" + line + "'");
    try {
      v.add(line, n);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(path.string() + ":" + std::to_string(n) + ": " + e.what());
    }
  }
  if (n < specials().size())
    throw std::runtime_error(path.string() + ": truncated vocabulary (" + std::to_string(n) +
                             " lines, specials need " + std::to_string(specials().size()) + ")");
  return v;
}

}  // namespace clara
