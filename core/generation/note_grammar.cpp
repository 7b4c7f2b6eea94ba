#include "core/generation/note_grammar.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace clara {
namespace {
constexpr double kNegInf = -std::numeric_limits<double>::infinity();
// Elapsed steps saturate here so a note held for ever cannot overflow.
constexpr std::int32_t kElapsedCap = 1 << 28;
}  // namespace

NoteGrammar::NoteGrammar(const Vocabulary& vocab, GrammarConfig config)
    : table_(vocab), config_(config) {
  if (config_.max_note_steps < 0)
    throw std::invalid_argument("max_note_steps must be >= 0 (0 = off), got " +
                                std::to_string(config_.max_note_steps));
  if (config_.max_polyphony < 0)
    throw std::invalid_argument("max_polyphony must be >= 0 (0 = off), got " +
                                std::to_string(config_.max_polyphony));
  elapsed_.assign(table_.prefixes().size() * static_cast<std::size_t>(table_.pitch_count()), -1);
  count_.assign(table_.prefixes().size(), 0);
}

void NoteGrammar::reset() {
  std::fill(elapsed_.begin(), elapsed_.end(), -1);
  std::fill(count_.begin(), count_.end(), 0);
}

void NoteGrammar::observe(int id) {
  const TokenInfo& t = table_.info(id);
  switch (t.kind) {
    case TokenKind::kOnset: {
      auto& e = elapsed_[cell(t.prefix, t.pitch)];
      if (e < 0) ++count_[static_cast<std::size_t>(t.prefix)];
      e = 0;  // a re-strike starts the note again (the decoder does the same)
      break;
    }
    case TokenKind::kEnd: {
      auto& e = elapsed_[cell(t.prefix, t.pitch)];
      if (e >= 0) {
        e = -1;
        --count_[static_cast<std::size_t>(t.prefix)];
      }
      break;
    }
    case TokenKind::kWait:
      for (auto& e : elapsed_)
        if (e >= 0) e = std::min<std::int32_t>(kElapsedCap, e + t.wait);
      break;
    case TokenKind::kSpecial:
      if (id == Vocabulary::kEos) reset();
      break;
    case TokenKind::kOther:
      break;
  }
}

bool NoteGrammar::sounding(int prefix, int pitch) const { return elapsed_steps(prefix, pitch) >= 0; }

int NoteGrammar::sounding_count(int prefix) const {
  if (prefix < 0 || static_cast<std::size_t>(prefix) >= count_.size()) return 0;
  return count_[static_cast<std::size_t>(prefix)];
}

int NoteGrammar::elapsed_steps(int prefix, int pitch) const {
  if (prefix < 0 || static_cast<std::size_t>(prefix) >= count_.size() || pitch < 0 ||
      pitch >= table_.pitch_count())
    return -1;
  return elapsed_[cell(prefix, pitch)];
}

void NoteGrammar::constrain(std::span<double> logits) const {
  if (logits.size() != table_.size())
    throw std::invalid_argument("NoteGrammar::constrain: " + std::to_string(logits.size()) +
                                " logits for a vocabulary of " + std::to_string(table_.size()));
  // Longest-sounding note whose end the caller still allows; computed before this function
  // masks anything, so it reflects only the caller's mask.
  std::int32_t longest = -1;
  if (config_.max_note_steps > 0) {
    for (std::size_t p = 0; p < count_.size(); ++p) {
      if (count_[p] == 0) continue;
      for (int i = 0; i < table_.pitch_count(); ++i) {
        std::int32_t e = elapsed_[cell(static_cast<int>(p), i)];
        int end = table_.end_id(static_cast<int>(p), i);
        if (e > longest && end >= 0 && logits[static_cast<std::size_t>(end)] > kNegInf) longest = e;
      }
    }
  }
  const bool force_end = longest >= 0 && longest + 1 >= config_.max_note_steps;

  for (std::size_t id = 0; id < logits.size(); ++id) {
    const TokenInfo& t = table_.infos()[id];
    double& l = logits[id];
    switch (t.kind) {
      case TokenKind::kSpecial:
        if (config_.forbid_unk_pad && (id == Vocabulary::kUnk || id == Vocabulary::kPad)) l = kNegInf;
        if (force_end) l = kNegInf;
        break;
      case TokenKind::kOnset: {
        std::int32_t e = elapsed_[cell(t.prefix, t.pitch)];
        if (force_end || (config_.forbid_double_onset && e >= 0) ||
            (config_.max_polyphony > 0 &&
             count_[static_cast<std::size_t>(t.prefix)] >= config_.max_polyphony))
          l = kNegInf;
        break;
      }
      case TokenKind::kEnd: {
        std::int32_t e = elapsed_[cell(t.prefix, t.pitch)];
        if (config_.forbid_unmatched_end && e < 0) l = kNegInf;
        // Under force, only the overdue notes may end; other ends can wait for a later step.
        if (force_end && !(e >= 0 && e + 1 >= config_.max_note_steps)) l = kNegInf;
        break;
      }
      case TokenKind::kWait:
        if (force_end || (longest >= 0 && longest + t.wait + 1 > config_.max_note_steps)) l = kNegInf;
        break;
      case TokenKind::kOther:
        if (force_end) l = kNegInf;
        break;
    }
  }
}

}  // namespace clara
