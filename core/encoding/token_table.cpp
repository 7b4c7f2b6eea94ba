#include "core/encoding/token_table.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace clara {
namespace {

bool is_lower(char c) { return c >= 'a' && c <= 'z'; }

// Parses "<digits>" (1..4 digits, the whole string) into `value`.
bool parse_small_number(std::string_view s, int& value) {
  if (s.empty() || s.size() > 4) return false;
  if (!std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Splits "<letters><digits>" into its parts.
bool split_prefix_pitch(std::string_view s, std::string_view& prefix, int& pitch) {
  std::size_t n = 0;
  while (n < s.size() && is_lower(s[n])) ++n;
  if (n == 0) return false;
  prefix = s.substr(0, n);
  return parse_small_number(s.substr(n), pitch);
}

}  // namespace

TokenTable::TokenTable(const Vocabulary& vocab) {
  const auto& tokens = vocab.tokens();
  info_.resize(tokens.size());
  auto intern = [this](std::string_view prefix) {
    for (std::size_t i = 0; i < prefixes_.size(); ++i)
      if (prefixes_[i] == prefix) return static_cast<int>(i);
    prefixes_.emplace_back(prefix);
    return static_cast<int>(prefixes_.size() - 1);
  };
  for (std::size_t id = 0; id < tokens.size(); ++id) {
    std::string_view s = tokens[id];
    TokenInfo& t = info_[id];
    std::string_view prefix;
    int number = 0;
    if (id < Vocabulary::specials().size()) {
      t.kind = TokenKind::kSpecial;
    } else if (s.starts_with("wait")) {
      if (parse_small_number(s.substr(4), number) && number > 0) {
        t.kind = TokenKind::kWait;
        t.wait = number;
      }
    } else if (s.starts_with("end")) {
      // "end" is reserved for releases, so a malformed one is kOther, never an onset.
      if (split_prefix_pitch(s.substr(3), prefix, number)) {
        t.kind = TokenKind::kEnd;
        t.prefix = intern(prefix);
        t.pitch = number;
      }
    } else if (split_prefix_pitch(s, prefix, number)) {
      t.kind = TokenKind::kOnset;
      t.prefix = intern(prefix);
      t.pitch = number;
    }
    if (t.pitch >= pitch_count_) pitch_count_ = t.pitch + 1;
  }
  const std::size_t cells = prefixes_.size() * static_cast<std::size_t>(pitch_count_);
  onset_.assign(cells, -1);
  end_.assign(cells, -1);
  for (std::size_t id = 0; id < info_.size(); ++id) {
    const TokenInfo& t = info_[id];
    if (t.kind != TokenKind::kOnset && t.kind != TokenKind::kEnd) continue;
    auto& table = t.kind == TokenKind::kOnset ? onset_ : end_;
    table[static_cast<std::size_t>(t.prefix) * pitch_count_ + t.pitch] = static_cast<int>(id);
  }
}

const TokenInfo& TokenTable::info(int id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= info_.size())
    throw std::out_of_range("token id " + std::to_string(id) + " outside vocabulary of " +
                            std::to_string(info_.size()));
  return info_[static_cast<std::size_t>(id)];
}

int TokenTable::prefix_id(std::string_view prefix) const {
  for (std::size_t i = 0; i < prefixes_.size(); ++i)
    if (prefixes_[i] == prefix) return static_cast<int>(i);
  return -1;
}

int TokenTable::lookup(const std::vector<int>& table, int prefix, int pitch) const {
  if (prefix < 0 || static_cast<std::size_t>(prefix) >= prefixes_.size() || pitch < 0 ||
      pitch >= pitch_count_)
    return -1;
  return table[static_cast<std::size_t>(prefix) * pitch_count_ + pitch];
}

TokenMask mask_for_prefixes(const TokenTable& table, std::span<const std::string> prefixes) {
  std::vector<std::uint8_t> wanted(table.prefixes().size(), 0);
  for (const auto& p : prefixes) {
    int id = table.prefix_id(p);
    if (id < 0) throw std::invalid_argument("mask_for_prefixes: no token has prefix '" + p + "'");
    wanted[static_cast<std::size_t>(id)] = 1;
  }
  TokenMask mask(table.size(), 0);
  for (std::size_t id = 0; id < table.size(); ++id) {
    const TokenInfo& t = table.infos()[id];
    if (t.kind == TokenKind::kWait)
      mask[id] = 1;
    else if (t.kind == TokenKind::kOnset || t.kind == TokenKind::kEnd)
      mask[id] = wanted[static_cast<std::size_t>(t.prefix)];
  }
  return mask;
}

TokenMask mask_for_prefixes(const Vocabulary& vocab, std::span<const std::string> prefixes) {
  return mask_for_prefixes(TokenTable(vocab), prefixes);
}

TokenMask mask_for_prefixes(const Vocabulary& vocab, std::initializer_list<std::string> prefixes) {
  return mask_for_prefixes(TokenTable(vocab), std::span<const std::string>(prefixes.begin(), prefixes.size()));
}

}  // namespace clara
