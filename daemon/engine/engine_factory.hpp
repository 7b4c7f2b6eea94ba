#pragma once
// The duet engine for the loaded model and the settings, built before any port
// opens so that a config the engine refuses never leaves ports behind.
#include <cstdint>

#include "core/duet/duet_engine.hpp"
#include "daemon/midi/midi_backend.hpp"

namespace clara::daemon {
// StartupError 64 naming the refused setting.
DuetEngine make_engine(TokenModel& model, const Vocabulary& vocab, const EncodingSpec& spec, const DuetConfig& config);

// Starts the engine's grid on the backend's clock, step 0 a period plus kStartMargin ahead, and
// returns step 0's time. Between the call and the inference thread's first step lie the session's
// first durable write, the control sockets and the thread's start: with one period alone (2.7 ms)
// accompany and solo sent their first notes late (5 events of up to 4 ms in every run). A human
// note before step 0 counts at step 0.
inline constexpr std::int64_t kStartMarginNs = 50'000'000;
std::int64_t start_engine(DuetEngine& engine, const MidiBackend& backend);
}  // namespace clara::daemon
