#include "core/encoding/chordwise_codec.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace clara {

namespace {

constexpr std::string_view kRestLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

// Table entry whose prefix plus a full range of characters makes up `token`.
int entry_of(std::string_view token, const EncodingSpec& spec) {
  const auto& entries = spec.parts.entries;
  for (std::size_t e = 0; e < entries.size(); ++e) {
    const std::string& p = entries[e].prefix;
    if (token.size() == p.size() + static_cast<std::size_t>(spec.range.size) && token.starts_with(p))
      return static_cast<int>(e);
  }
  return -1;
}

}  // namespace

char rest_letter(int onsets) {
  const int k = std::clamp(onsets, 0, static_cast<int>(kRestLetters.size()) - 1);
  return kRestLetters[static_cast<std::size_t>(k)];
}

std::vector<std::string> encode_chordwise(const GridPiece& piece, const EncodingSpec& spec) {
  spec.validate();
  const auto& entries = spec.parts.entries;
  const auto size = static_cast<std::size_t>(spec.range.size);
  std::int64_t steps = piece.steps;
  for (const GridNote& n : piece.notes) {
    if (n.part < 0 || static_cast<std::size_t>(n.part) >= entries.size() ||
        !spec.range.contains_index(n.index) || n.start < 0)
      throw EncodingError("grid note at step " + std::to_string(n.start) +
                          " lies outside the spec's parts or range");
    steps = std::max(steps, n.end());
  }
  if (!std::is_sorted(piece.notes.begin(), piece.notes.end(), [](const GridNote& a, const GridNote& b) {
        return a.start != b.start ? a.start < b.start : a.part < b.part;
      }))
    throw EncodingError("grid notes are not sorted by step and part");
  // Notes are sorted by (start, part, index): one pointer walks them in step order.
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(steps) * entries.size());
  std::array<int, kRestWindow> window{};  // onsets of the last kRestWindow tokens
  std::size_t window_pos = 0;
  int window_sum = 0;
  std::size_t next = 0;
  for (std::int64_t t = 0; t < steps; ++t) {
    for (std::size_t e = 0; e < entries.size(); ++e) {
      std::string token = entries[e].prefix;
      token.append(size, '0');
      int onsets = 0;
      while (next < piece.notes.size() && piece.notes[next].start == t &&
             piece.notes[next].part == static_cast<int>(e)) {
        token[entries[e].prefix.size() + static_cast<std::size_t>(piece.notes[next].index)] = '1';
        ++onsets;
        ++next;
      }
      if (onsets == 0)
        std::fill(token.begin() + static_cast<std::ptrdiff_t>(entries[e].prefix.size()), token.end(),
                  rest_letter(window_sum));
      window_sum += onsets - window[window_pos];
      window[window_pos] = onsets;
      window_pos = (window_pos + 1) % window.size();
      out.push_back(std::move(token));
    }
  }
  return out;
}

GridPiece decode_chordwise(std::span<const std::string> tokens, const EncodingSpec& spec,
                           DecodeCounts& counts) {
  spec.validate();
  GridPiece piece;
  const int parts = static_cast<int>(spec.parts.entries.size());
  piece.parts = parts;
  const auto size = static_cast<std::size_t>(spec.range.size);
  std::int64_t t = -1;
  int last_part = parts;  // the first token always opens step 0
  // Index into piece.notes of the latest note of each (part, index), or -1.
  std::vector<std::int64_t> latest(static_cast<std::size_t>(parts) * size, -1);
  for (const std::string& token : tokens) {
    ++counts.tokens;
    int e = -1;
    if (token == Vocabulary::specials()[Vocabulary::kUnk]) {
      e = last_part + 1 < parts ? last_part + 1 : 0;
    } else if (token.empty() || token == Vocabulary::specials()[Vocabulary::kPad] ||
               token == Vocabulary::specials()[Vocabulary::kEos]) {
      ++counts.skipped;
      continue;
    } else {
      e = entry_of(token, spec);
      bool ok = e >= 0;
      if (ok) {
        const std::string_view body = std::string_view(token).substr(spec.parts.entries[static_cast<std::size_t>(e)].prefix.size());
        const bool chord = body.find_first_not_of("01") == std::string_view::npos;
        const bool rest = kRestLetters.find(body[0]) != std::string_view::npos &&
                          body.find_first_not_of(body[0]) == std::string_view::npos;
        ok = chord || rest;
      }
      if (!ok) {
        ++counts.invalid;
        continue;
      }
    }
    if (e <= last_part) ++t;
    last_part = e;
    if (token == Vocabulary::specials()[Vocabulary::kUnk]) continue;
    const std::string_view body =
        std::string_view(token).substr(spec.parts.entries[static_cast<std::size_t>(e)].prefix.size());
    for (std::size_t i = 0; i < size; ++i) {
      if (body[i] != '1') continue;
      const std::size_t slot = static_cast<std::size_t>(e) * size + i;
      if (latest[slot] >= 0) {
        GridNote& prev = piece.notes[static_cast<std::size_t>(latest[slot])];
        if (prev.end() > t) prev.length = t - prev.start;
      }
      latest[slot] = static_cast<std::int64_t>(piece.notes.size());
      piece.notes.push_back({e, static_cast<int>(i), t, kChordwiseNoteSteps});
    }
  }
  piece.steps = t + 1;
  for (const GridNote& n : piece.notes) piece.steps = std::max(piece.steps, n.end());
  // Notes were appended in (step, part, index) order already.
  return piece;
}

void count_tokens(std::span<const std::string> tokens, TokenCounts& counts) {
  for (const std::string& t : tokens) ++counts[t];
}

Vocabulary chordwise_vocabulary(const TokenCounts& counts, std::size_t min_count) {
  std::vector<std::pair<std::string, std::size_t>> kept;
  for (const auto& [token, n] : counts) {
    if (n < min_count || token.empty()) continue;
    const auto& sp = Vocabulary::specials();
    if (std::find(sp.begin(), sp.end(), token) != sp.end()) continue;
    kept.emplace_back(token, n);
  }
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  std::vector<std::string> tokens;
  tokens.reserve(kept.size());
  for (auto& [token, n] : kept) tokens.push_back(std::move(token));
  return Vocabulary(tokens);
}

}  // namespace clara
