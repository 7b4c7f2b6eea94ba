#pragma once
// What each notewise token means, parsed once from the vocabulary so that per-step code
// (sampler masks, grammar guard rails) never looks at strings.
//
// Recognised shapes (SPEC §2.2):
//   <unk> <pad> <eos>          -> kSpecial (ids 0..2)
//   wait<n>, n >= 1            -> kWait, wait = n
//   end<prefix><i>             -> kEnd, e.g. endp28, endv40
//   <prefix><i>                -> kOnset, e.g. p28, v40
// where <prefix> is one or more lower-case letters and <i> at most 4 digits.
// Anything else ("", "p5eoc", chordwise strings, …) is kOther and is left alone by the grammar.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/encoding/vocabulary.hpp"

namespace clara {

enum class TokenKind : std::uint8_t { kSpecial, kOnset, kEnd, kWait, kOther };

struct TokenInfo {
  TokenKind kind = TokenKind::kOther;
  int prefix = -1;  // index into TokenTable::prefixes() for kOnset/kEnd
  int pitch = -1;   // pitch index for kOnset/kEnd
  int wait = 0;     // grid steps for kWait
};

class TokenTable {
 public:
  explicit TokenTable(const Vocabulary& vocab);

  std::size_t size() const { return info_.size(); }
  const TokenInfo& info(int id) const;  // throws std::out_of_range
  const std::vector<TokenInfo>& infos() const { return info_; }

  // Instrument prefixes in order of first appearance in the vocabulary ("p", "v", …).
  const std::vector<std::string>& prefixes() const { return prefixes_; }
  int prefix_id(std::string_view prefix) const;  // -1 when absent
  int pitch_count() const { return pitch_count_; }  // 1 + largest pitch index seen, 0 if none

  // Token id of the onset / end of (prefix, pitch), or -1 when the vocabulary lacks it.
  int onset_id(int prefix, int pitch) const { return lookup(onset_, prefix, pitch); }
  int end_id(int prefix, int pitch) const { return lookup(end_, prefix, pitch); }

 private:
  int lookup(const std::vector<int>& table, int prefix, int pitch) const;
  std::vector<TokenInfo> info_;
  std::vector<std::string> prefixes_;
  int pitch_count_ = 0;
  std::vector<int> onset_;  // [prefix * pitch_count_ + pitch] -> id or -1
  std::vector<int> end_;
};

// Token mask: one byte per id, 1 = may be emitted, 0 = forbidden.
using TokenMask = std::vector<std::uint8_t>;

// Allows the onsets and ends of the given instrument prefixes plus every wait<n>; forbids the
// specials, other instruments' tokens and unrecognised tokens. Unknown prefixes are an error
// (std::invalid_argument naming the prefix), since a typo would otherwise silence the output.
TokenMask mask_for_prefixes(const TokenTable& table, std::span<const std::string> prefixes);
TokenMask mask_for_prefixes(const Vocabulary& vocab, std::span<const std::string> prefixes);
TokenMask mask_for_prefixes(const Vocabulary& vocab, std::initializer_list<std::string> prefixes);

}  // namespace clara
