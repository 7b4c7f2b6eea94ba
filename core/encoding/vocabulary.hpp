#pragma once
// Token <-> id mapping shared by the encoders, the sampler and the model.
// File format (vocab.txt): one token per line, the line number (from 0) is its id.
// The first three ids are always the special tokens below.
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace clara {

class Vocabulary {
 public:
  static constexpr int kUnk = 0;  // "<unk>": a token never seen in training
  static constexpr int kPad = 1;  // "<pad>"
  static constexpr int kEos = 2;  // "<eos>": end of one piece in a token stream
  static const std::vector<std::string>& specials();

  Vocabulary();  // specials only
  // `tokens` must not contain the specials; they are prepended. Duplicates rejected.
  explicit Vocabulary(const std::vector<std::string>& tokens);

  int id(std::string_view token) const;          // kUnk when unknown
  bool contains(std::string_view token) const;
  const std::string& token(int id) const;         // throws std::out_of_range
  std::size_t size() const { return tokens_.size(); }
  const std::vector<std::string>& tokens() const { return tokens_; }

  void save(const std::filesystem::path& path) const;
  // Errors name the file and line (empty line, duplicate, specials misplaced).
  static Vocabulary load(const std::filesystem::path& path);

  bool operator==(const Vocabulary& other) const { return tokens_ == other.tokens_; }

 private:
  void add(const std::string& token, std::size_t line);
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int> ids_;
};

}  // namespace clara
