#pragma once
// The valid range of every numeric setting, in one place: the config file loader, the
// command-line flags and DaemonSettings::validate() check against these and print them in
// their errors, so the three cannot disagree. Files and flags hold integers as 64-bit; each
// value is checked against its range here before it is narrowed to the field's type, so
// `channel = 4294967297` is refused instead of wrapping to 1.
//
// Why these upper bounds (the duet engine's own DuetConfig::validate should hold the same):
//  - commit_steps <= 96: eight beats at 12 grid steps a quarter. Clara yields to the human
//    at the first uncommitted step, so every committed step is reaction latency; beyond
//    two bars she could not get out of the way at all;
//  - answer_bars <= 64, beats_per_bar <= 32, answer_silence_beats <= 64: far beyond any
//    phrase, and their product (steps of one answer) stays well inside int;
//  - max_polyphony <= 2048: every key of every channel of a port (16 x 128);
//  - max_note_ms <= 600000: ten minutes; 0 turns the cap off for longer notes;
//  - midi outputs <= 8: what the real-time side's note ledger holds (NoteLedger::kMaxPorts).
//  - control plane: max_tcp_connections <= 1024 and tcp_buffer_bytes <= 1 MiB bound what
//    a client can make clarad hold (1 GiB at worst); idle_timeout_s <= a day;
//    max_subscribers <= 256 bounds the state updates sent per change; tcp_buffer_bytes
//    >= 1024 so any command Clara answers fits in one frame.
#include <cstdint>
#include <string>

#include "core/generation/sampler.hpp"
#include "core/midi/note_ledger.hpp"

namespace clara::daemon {

struct IntRange {
  std::int64_t lo, hi;
  constexpr bool contains(std::int64_t v) const { return v >= lo && v <= hi; }
  std::string text() const;  // "1..16"
};

struct RealRange {
  double lo, hi;
  bool lo_open = false;  // (lo, hi] rather than [lo, hi]
  bool contains(double v) const;  // false for NaN and infinities
  std::string text() const;       // "[20, 400]" or "(0, 64]"
};

namespace limits {
// As written in files and flags (1-based); stored 0-based.
inline constexpr IntRange channel{1, 16};
inline constexpr IntRange program{-1, 127};  // -1 = no program change
inline constexpr IntRange note{0, 127};
inline constexpr int min_note_span = 11;     // note_high - note_low: at least an octave
inline constexpr RealRange velocity_curve{0.1, 10.0};
inline constexpr IntRange outputs{1, NoteLedger::kMaxPorts};
inline constexpr IntRange max_note_ms{0, 600'000};
inline constexpr IntRange max_polyphony{0, 16 * 128};

inline constexpr IntRange threads{1, 64};
inline constexpr RealRange tokens_per_step_budget{0.0, 64.0, true};

inline constexpr RealRange tempo{20.0, 400.0};
inline constexpr RealRange answer_silence_beats{0.0, 64.0, true};
inline constexpr IntRange answer_bars{1, 64};
inline constexpr IntRange count_in_bars{0, 16};
inline constexpr IntRange solo_candidates{1, 64};  // DuetEngine::kMaxCandidates
inline constexpr IntRange beats_per_bar{1, 32};
inline constexpr RealRange lookahead_beats{0.0, 16.0, true};
inline constexpr IntRange commit_steps{0, 96};
inline constexpr IntRange velocity{0, 127};  // 0 = follow the human

inline constexpr RealRange temperature{0.05, 5.0};
inline constexpr IntRange top_k{1, 65'536};  // beyond the vocabulary means all of it
inline constexpr RealRange top_p{0.0, 1.0, true};
inline constexpr RealRange random_freq{0.0, 1.0};
inline constexpr RealRange key_keeping{0.0, SamplerConfig::kMaxKeyKeeping};  // 0 = off
// The seed is SamplerConfig::seed, a std::uint64_t, and the replay log writes it in full:
// every value 0..2^64-1 is valid. TOML integers stop at 2^63-1, so the file also takes
// the seed as a decimal string.
inline constexpr const char* seed_text = "0..18446744073709551615";

// [control]: the OSC control plane. Port 0 turns that transport off.
inline constexpr IntRange port{0, 65'535};
inline constexpr IntRange bind_addresses{1, 16};
inline constexpr IntRange max_tcp_connections{1, 1024};
inline constexpr IntRange idle_timeout_s{1, 86'400};
inline constexpr IntRange max_subscribers{0, 256};
inline constexpr IntRange tcp_buffer_bytes{1024, 1'048'576};
inline constexpr IntRange auth_failures_per_s{1, 1000};
// A shorter token is easy to guess by trying; auth_failures_per_s slows guessing, not stops it.
inline constexpr int min_token_length = 8;

// [[cc]]: 120..127 are channel-mode messages (all sound off, reset controllers, local
// control, all notes off, omni, mono/poly), never a knob's.
inline constexpr IntRange cc_controller{0, 119};
inline constexpr IntRange cc_value{0, 127};
}  // namespace limits

}  // namespace clara::daemon
