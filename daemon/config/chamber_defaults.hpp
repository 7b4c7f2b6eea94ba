#pragma once
// Who plays what with a chamber model when neither the config file nor a flag said.
#include "core/encoding/encoding_spec.hpp"
#include "daemon/config/settings.hpp"

namespace clara::daemon {
// The human plays the solo instrument (the part table's first entry) and Clara the
// piano (its last), each only where not named already; no-op for a one-part model.
void apply_chamber_defaults(DaemonSettings& settings, const EncodingSpec& spec);
}  // namespace clara::daemon
