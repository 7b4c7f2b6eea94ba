#include "core/encoding/notewise_codec.hpp"

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

// An event packed so that integer order is (step, part, index, onset before
// end): sorting plain integers is several times faster than sorting structs.
constexpr int kKindBits = 1, kIndexBits = 11, kPartBits = 8;
constexpr std::uint64_t pack(std::int64_t step, int part, int index, int kind) {
  return (static_cast<std::uint64_t>(step) << (kPartBits + kIndexBits + kKindBits)) |
         (static_cast<std::uint64_t>(part) << (kIndexBits + kKindBits)) |
         (static_cast<std::uint64_t>(index) << kKindBits) | static_cast<std::uint64_t>(kind);
}

template <class Emit>
void push_waits(Emit& out, const std::vector<std::string>& waits, std::int64_t steps) {
  const auto max_wait = static_cast<std::int64_t>(waits.size()) - 1;
  while (steps > 0) {
    const std::int64_t n = std::min(steps, max_wait);
    out(waits[static_cast<std::size_t>(n)]);
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

namespace {

// Writes the tokens through `out(const std::string&)`, so the vector and the
// text-line forms share one implementation.
template <class Emit>
void write_notewise(const GridPiece& piece, const EncodingSpec& spec, Emit&& out) {
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

  if (entries.size() > (1u << kPartBits) || spec.range.size > (1 << kIndexBits))
    throw EncodingError("too many parts or pitches for the notewise encoder");
  for (const GridNote& n : piece.notes)
    if (n.part < 0 || static_cast<std::size_t>(n.part) >= entries.size() ||
        !spec.range.contains_index(n.index) || n.length < 1 || n.start < 0)
      throw EncodingError("grid note at step " + std::to_string(n.start) +
                          " lies outside the spec's parts or range");
  auto by_start = [](const GridNote& a, const GridNote& b) {
    if (a.start != b.start) return a.start < b.start;
    if (a.part != b.part) return a.part < b.part;
    return a.index < b.index;
  };
  std::vector<GridNote> sorted_copy;
  const std::vector<GridNote>* notes = &piece.notes;
  if (!std::is_sorted(notes->begin(), notes->end(), by_start)) {
    sorted_copy = piece.notes;
    std::sort(sorted_copy.begin(), sorted_copy.end(), by_start);
    notes = &sorted_copy;
  }
  // A note gets an end token unless the same pitch starts again right after it.
  std::vector<std::int64_t> last(entries.size() * size, -1);
  std::vector<char> restruck(notes->size(), 0);
  for (std::size_t k = 0; k < notes->size(); ++k) {
    const GridNote& n = (*notes)[k];
    const std::size_t slot = static_cast<std::size_t>(n.part) * size + static_cast<std::size_t>(n.index);
    if (last[slot] >= 0 && (*notes)[static_cast<std::size_t>(last[slot])].end() == n.start)
      restruck[static_cast<std::size_t>(last[slot])] = 1;
    last[slot] = static_cast<std::int64_t>(k);
  }
  std::vector<std::uint64_t> onset_events, end_events;
  onset_events.reserve(notes->size());
  end_events.reserve(notes->size());
  for (std::size_t k = 0; k < notes->size(); ++k) {
    const GridNote& n = (*notes)[k];
    onset_events.push_back(pack(n.start, n.part, n.index, 0));  // already in order
    if (!restruck[k]) end_events.push_back(pack(n.end() - 1, n.part, n.index, 1));
  }
  std::sort(end_events.begin(), end_events.end());
  std::vector<std::uint64_t> events(onset_events.size() + end_events.size());
  std::merge(onset_events.begin(), onset_events.end(), end_events.begin(), end_events.end(),
             events.begin());

  std::int64_t step = 0;  // the step whose tokens are being written
  std::int64_t last_end = 0;
  constexpr int kSlotBits = kPartBits + kIndexBits;
  for (const std::uint64_t ev : events) {
    const auto ev_step = static_cast<std::int64_t>(ev >> (kSlotBits + kKindBits));
    const auto part = static_cast<std::size_t>((ev >> (kIndexBits + kKindBits)) & ((1u << kPartBits) - 1));
    const auto index = static_cast<std::size_t>((ev >> kKindBits) & ((1u << kIndexBits) - 1));
    const bool is_end = (ev & 1u) != 0;
    if (ev_step != step) {
      push_waits(out, waits, ev_step - step);
      step = ev_step;
    }
    out(is_end ? ends[part * size + index] : onsets[part * size + index]);
    if (is_end) last_end = std::max(last_end, ev_step + 1);
  }
  // Every step of the piece ends with its wait, trailing silence included.
  const std::int64_t total = std::max(piece.steps, last_end);
  if (!events.empty() || total > 0) push_waits(out, waits, total - step);
}

}  // namespace

std::vector<std::string> encode_notewise(const GridPiece& piece, const EncodingSpec& spec) {
  std::vector<std::string> out;
  out.reserve(piece.notes.size() * 3 + 8);
  write_notewise(piece, spec, [&](const std::string& t) { out.push_back(t); });
  return out;
}

void append_notewise_line(const GridPiece& piece, const EncodingSpec& spec, std::string& line) {
  line.reserve(line.size() + piece.notes.size() * 18 + 16);
  bool first = true;
  write_notewise(piece, spec, [&](const std::string& t) {
    if (!first) line += ' ';
    first = false;
    line += t;
  });
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
