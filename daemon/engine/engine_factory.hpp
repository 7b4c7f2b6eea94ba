#pragma once
// The duet engine for the loaded model and the settings, built before any port
// opens so that a config the engine refuses never leaves ports behind.
#include "core/duet/duet_engine.hpp"

namespace clara::daemon {
// StartupError 64 naming the refused setting.
DuetEngine make_engine(TokenModel& model, const Vocabulary& vocab, const EncodingSpec& spec, const DuetConfig& config);
}  // namespace clara::daemon
