#include "core/notewise_codec.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace clara {

namespace {

// Longer waits than this cannot be a step count of any sane piece; refusing them
// keeps `t` far from overflow on hostile input.
constexpr int kMaxParsedWait = 1'000'000;

bool parse_number(std::string_view digits, int& out) {
  if (digits.empty() || digits.size() > 7) return false;
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  if (digits.size() > 1 && digits[0] == '0') return false;  // one spelling per number
  std::from_chars(digits.data(), digits.data() + digits.size(), out);
  return true;
}

struct Event {
  std::int64_t step;
  int part;
  int index;
  int kind;  // 0 onset, 1 end: an onset precedes its own end
  bool operator<(const Event& o) const {
    if (step != o.step) return step < o.step;
    if (part != o.part) return part < o.part;
    if (index != o.index) return index < o.index;
    return kind < o.kind;
  }
};

void push_waits(std::vector<std::string>& out, const std::vector<std::string>& waits,
                std::int64_t steps) {
  const auto max_wait = static_cast<std::int64_t>(waits.size()) - 1;
  while (steps > 0) {
    const std::int64_t n = std::min(steps, max_wait);
    out.push_back(waits[static_cast<std::size_t>(n)]);
    steps -= n;
  }
}

}  // namespace

NotewiseToken parse_notewise_token(std::string_view token, const EncodingSpec& spec) {
  NotewiseToken t;
  if (token.starts_with("wait")) {
    int n = 0;
    if (parse_number(token.substr(4), n) && n >= 1 && n <= kMaxParsedWait) {
      t.kind = NotewiseToken::Kind::wait;
      t.value = n;
    }
    return t;
  }
  NotewiseToken::Kind kind = NotewiseToken::Kind::onset;
  if (token.starts_with("end")) {
    kind = NotewiseToken::Kind::end;
    token.remove_prefix(3);
  }
  const std::size_t digit = token.find_first_of("0123456789");
  if (digit == std::string_view::npos || digit == 0) return t;
  const int part = spec.parts.find_prefix(token.substr(0, digit));
  int index = 0;
  if (part < 0 || !parse_number(token.substr(digit), index) || !spec.range.contains_index(index))
    return t;
  t.kind = kind;
  t.part = part;
  t.value = index;
  return t;
}

std::vector<std::string> encode_notewise(const GridPiece& piece, const EncodingSpec& spec) {
  spec.validate();
  const auto& entries = spec.parts.entries;
  const auto size = static_cast<std::size_t>(spec.range.size);
  // Token strings are built once per spec, so emitting is a copy.
  std::vector<std::string> onsets, ends;
  for (const PartEntry& e : entries)
    for (std::size_t i = 0; i < size; ++i) {
      onsets.push_back(e.prefix + std::to_string(i));
      ends.push_back("end" + e.prefix + std::to_string(i));
    }
  std::vector<std::string> waits(static_cast<std::size_t>(spec.max_wait()) + 1);
  for (std::size_t n = 1; n < waits.size(); ++n) waits[n] = "wait" + std::to_string(n);

  // A note gets an end token unless the same pitch starts again right after it.
  std::vector<const GridNote*> by_key;
  by_key.reserve(piece.notes.size());
  for (const GridNote& n : piece.notes) {
    if (n.part < 0 || static_cast<std::size_t>(n.part) >= entries.size() ||
        !spec.range.contains_index(n.index) || n.length < 1 || n.start < 0)
      throw EncodingError("grid note at step " + std::to_string(n.start) +
                          " lies outside the spec's parts or range");
    by_key.push_back(&n);
  }
  std::sort(by_key.begin(), by_key.end(), [](const GridNote* a, const GridNote* b) {
    if (a->part != b->part) return a->part < b->part;
    if (a->index != b->index) return a->index < b->index;
    return a->start < b->start;
  });
  std::vector<Event> events;
  events.reserve(piece.notes.size() * 2);
  for (std::size_t k = 0; k < by_key.size(); ++k) {
    const GridNote& n = *by_key[k];
    events.push_back({n.start, n.part, n.index, 0});
    const bool restruck = k + 1 < by_key.size() && by_key[k + 1]->part == n.part &&
                          by_key[k + 1]->index == n.index && by_key[k + 1]->start == n.end();
    if (!restruck) events.push_back({n.end() - 1, n.part, n.index, 1});
  }
  std::sort(events.begin(), events.end());

  std::vector<std::string> out;
  out.reserve(events.size() + events.size() / 2 + 8);
  std::int64_t step = 0;  // the step whose tokens are being written
  std::int64_t last_end = 0;
  for (const Event& ev : events) {
    if (ev.step != step) {
      push_waits(out, waits, ev.step - step);
      step = ev.step;
    }
    const std::size_t slot = static_cast<std::size_t>(ev.part) * size + static_cast<std::size_t>(ev.index);
    out.push_back(ev.kind == 0 ? onsets[slot] : ends[slot]);
    if (ev.kind == 1) last_end = std::max(last_end, ev.step + 1);
  }
  // Every step of the piece ends with its wait, trailing silence included.
  const std::int64_t total = std::max(piece.steps, last_end);
  if (!events.empty() || total > 0) push_waits(out, waits, total - step);
  return out;
}

GridPiece decode_notewise(std::span<const std::string> tokens, const EncodingSpec& spec,
                          DecodeCounts& counts) {
  spec.validate();
  GridPiece piece;
  piece.parts = static_cast<int>(spec.parts.entries.size());
  const auto size = static_cast<std::size_t>(spec.range.size);
  constexpr std::int64_t kClosed = -1;
  std::vector<std::int64_t> open(static_cast<std::size_t>(piece.parts) * size, kClosed);
  std::int64_t t = 0;
  auto close = [&](std::size_t slot, std::int64_t end) {
    piece.notes.push_back({static_cast<int>(slot / size), static_cast<int>(slot % size), open[slot],
                           end - open[slot]});
    open[slot] = kClosed;
  };
  for (const std::string& token : tokens) {
    ++counts.tokens;
    const NotewiseToken tok = parse_notewise_token(token, spec);
    const std::size_t slot =
        static_cast<std::size_t>(tok.part) * size + static_cast<std::size_t>(tok.value);
    switch (tok.kind) {
      case NotewiseToken::Kind::wait:
        t += tok.value;
        break;
      case NotewiseToken::Kind::end:
        if (open[slot] == kClosed)
          ++counts.unmatched_ends;
        else
          close(slot, t + 1);
        break;
      case NotewiseToken::Kind::onset:
        if (open[slot] == t) {
          ++counts.duplicate_onsets;
          break;
        }
        if (open[slot] != kClosed) close(slot, t);
        open[slot] = t;
        break;
      case NotewiseToken::Kind::invalid:
        if (token.empty() || Vocabulary::specials().end() !=
                                 std::find(Vocabulary::specials().begin(),
                                           Vocabulary::specials().end(), token))
          ++counts.skipped;
        else
          ++counts.invalid;
        break;
    }
  }
  for (std::size_t slot = 0; slot < open.size(); ++slot)
    if (open[slot] != kClosed) {
      ++counts.unclosed;
      close(slot, open[slot] + kUnclosedNoteSteps);
    }
  piece.steps = t;
  // An end followed by an onset of the same pitch in the same step would
  // overlap the note just closed; normalise applies the grid's merge rule.
  std::size_t merged = 0;
  normalise(piece, merged);
  counts.duplicate_onsets += merged;
  return piece;
}

Vocabulary notewise_vocabulary(const EncodingSpec& spec) {
  spec.validate();
  std::vector<std::string> tokens;
  for (const PartEntry& e : spec.parts.entries) {
    for (int i = 0; i < spec.range.size; ++i) tokens.push_back(e.prefix + std::to_string(i));
    for (int i = 0; i < spec.range.size; ++i) tokens.push_back("end" + e.prefix + std::to_string(i));
  }
  for (int n = 1; n <= spec.max_wait(); ++n) tokens.push_back("wait" + std::to_string(n));
  return Vocabulary(tokens);
}

}  // namespace clara
