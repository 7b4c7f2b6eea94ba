#pragma once
// The replay log of one duet session: everything `clara replay` needs to re-run the
// engine (session_replay.hpp) and get Clara's part back token for token (the engine is a pure function of the
// model, the config and the inputs with their steps; see duet_engine.hpp).
//
// Text format: a TOML header, a line `--- inputs ---`, then one input per line and a final
// `end <step>` (the frontier when the session ended):
//   format_version = 1
//   model_name = "notewise-piano"
//   model_sha256 = "…"
//   origin_ns = 123456789
//   committed_tokens = 5120
//   [encoding]   (encoding_spec_toml.hpp)
//   [duet]       every DuetConfig field; [duet.sampler], [duet.grammar] likewise
//   --- inputs ---
//   step 12 human 144 60 90
//   step 40 mode accompany
//   step 41 tempo 132.5
//   step 90 stop
//   end 90
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
  static constexpr int kFormatVersion = 1;
  int format_version = kFormatVersion;
  std::string model_name;
  std::string model_sha256;  // of the model files, as the caller computed it
  EncodingSpec spec;         // the model's token format
  DuetConfig config;
  std::int64_t origin_ns = 0;  // DuetEngine::start's origin
  std::vector<DuetInput> inputs;
  std::int64_t end_step = 0;
  std::size_t committed_tokens = 0;  // how many the live engine committed (a check for replay)
};

// Throws SessionLogError naming the path when it cannot be written.
void write_session_log(const std::filesystem::path& path, const SessionLog& log);
// Strict: unknown or missing keys, malformed lines, steps going back, anything after `end`
// are SessionLogErrors naming the file and line.
SessionLog read_session_log(const std::filesystem::path& path);

}  // namespace clara
