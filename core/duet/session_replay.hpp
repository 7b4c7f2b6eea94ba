#pragma once
// Re-running a DuetEngine from a parsed session log, kept apart from the log format so that
// writing a log (the daemon) does not pull in the model interfaces replay needs.
#include <functional>
#include <string>
#include <vector>

#include "core/duet/session_log.hpp"
#include "core/encoding/encoding_spec.hpp"
#include "core/encoding/vocabulary.hpp"
#include "core/generation/token_model.hpp"
#include "core/midi/timed_message.hpp"

namespace clara {

// The model a `model` input switches to, by folder name and weights sha256: a caller's loader
// (the model must stay alive through the replay); it throws (SessionLogError or any
// std::exception, naming the name) when it has no such model or its sha256 differs.
using ReplayModels = std::function<TokenModel&(const std::string& name, const std::string& sha256)>;

// Re-runs the engine step-driven: commit_until each input's step, apply it, ...,
// commit_until(end_step). Returns the committed tokens; Clara's messages go to `out` when
// given. Throws SessionLogError when the log does not fit the model (vocabulary, spec) or an
// input cannot be taken at its step.
std::vector<int> replay_session(const SessionLog& log, TokenModel& model, const Vocabulary& vocab,
                                const EncodingSpec& spec, std::vector<TimedMessage>* out = nullptr,
                                const ReplayModels& models = {});

}  // namespace clara
