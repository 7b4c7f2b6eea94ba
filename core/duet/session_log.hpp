#pragma once
// The replay log of one duet session: everything `clara replay` needs to re-run the
// engine (session_replay.hpp) and get Clara's part back token for token (the engine is a pure function of the
// model, the config and the inputs with their steps; see duet_engine.hpp).
//
// Text format: a TOML header, a line `--- inputs ---`, then one input per line, checkpoints
// `at <step> tokens <n>` (the frontier and the committed token count when the daemon last
// flushed the log), and a final `end <step> tokens <n>` written when the session stopped:
//   format_version = 2
//   model_name = "notewise-piano"
//   model_sha256 = "…"
//   origin_ns = 123456789
//   precision = "int8"   (the step's arithmetic for every model of the session; absent: fp32)
//   [encoding]   (encoding_spec_toml.hpp)
//   [duet]       every DuetConfig field; [duet.sampler], [duet.grammar] likewise
//                (a [duet.sampler] without key_keeping, written before it, reads as 0)
//   --- inputs ---
//   at 0 tokens 1
//   step 12 human 144 60 90
//   step 40 mode accompany
//   at 48 tokens 130
//   step 49 tempo 132.5
//   step 60 sampler top-p 1 5 0.9 0.5 7 2   (policy, temperature, top_k, top_p, random_freq,
//                                            seed, key_keeping; older logs lack key_keeping: 0)
//   step 96 model notewise-piano-b 3f2a…   (a hot model swap: folder name, weights sha256)
//   step 100 choice 192 288 2 0.81   (solo ranking: steps 192..287 are candidate 2, judged
//                                     human with P 0.81; replay plays candidate 2 unscored)
//   step 90 stop
//   end 90 tokens 402
// The daemon appends as the session goes, so after a crash the log just stops: a last line
// without its newline is what the crash cut short and is ignored, and a log without `end`
// replays up to its last checkpoint (SessionLog::complete is false, `notes` says so).
// Format 1 (read, no longer written) had `committed_tokens` in the header, no checkpoints,
// and `end <step>`.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/duet/duet_engine.hpp"
#include "core/encoding/encoding_spec.hpp"

namespace clara {

// A log that cannot be read or replayed; the message names the file and line.
class SessionLogError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SessionLog {
  static constexpr int kFormatVersion = 2;
  int format_version = kFormatVersion;
  std::string model_name;
  std::string model_sha256;  // of the model files, as the caller computed it
  EncodingSpec spec;         // the model's token format
  // The inference step's arithmetic, "fp32" or "int8" (model::Precision's names): what clarad chose
  // at load (--precision auto measures), so that replay runs the same and gets the same tokens.
  // Logs written before this key replay at fp32, which is what they were played at.
  std::string precision = "fp32";
  DuetConfig config;
  std::int64_t origin_ns = 0;  // DuetEngine::start's origin
  std::vector<DuetInput> inputs;
  std::int64_t end_step = 0;         // where replay stops: the end line's step, or the last checkpoint's
  std::size_t committed_tokens = 0;  // how many the live engine had committed at end_step (a check for replay)
  bool complete = true;              // false: no end line (the session did not stop cleanly)
  std::vector<std::string> notes;    // what the reader tolerated in a cut-short log, each naming file:line
};

// The longest session a log can describe, in grid steps: what session.mid can hold
// (kMaxMidiQuarters quarter notes). Every step in a log lies within 0..this, so a hostile
// `end` cannot make replay run for ever.
std::int64_t max_session_steps(const EncodingSpec& spec);
// Origins (ns on the daemon's monotonic clock) lie within 0..this (146 years), so that no
// step's time can overflow.
inline constexpr std::int64_t kMaxOriginNs = std::int64_t{1} << 62;

// The log's text in pieces, for a writer that appends as the session goes. Each piece is
// whole lines ending in '\n'. `log.inputs`, `end_step` and `committed_tokens` are not read.
std::string session_log_header(const SessionLog& log);  // up to and including the inputs marker
std::string session_log_line(const DuetInput& input);
std::string session_log_checkpoint(std::int64_t step, std::size_t committed_tokens);
std::string session_log_end(std::int64_t step, std::size_t committed_tokens);

// The whole log at once (header, inputs, end). Throws SessionLogError naming the path when it
// cannot be written.
void write_session_log(const std::filesystem::path& path, const SessionLog& log);
// Strict: unknown or missing keys, malformed lines, numbers outside their range (the error
// names it), steps going back, anything after `end` are SessionLogErrors naming the file and
// line. Tolerated, with a note: a last line cut short (no newline), and no `end` line when
// there is a checkpoint (replay then stops at the last checkpoint; inputs after it are left
// out, since the token count there is unknown).
SessionLog read_session_log(const std::filesystem::path& path);

}  // namespace clara
