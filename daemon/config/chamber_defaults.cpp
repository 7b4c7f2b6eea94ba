#include "daemon/config/chamber_defaults.hpp"

namespace clara::daemon {

void apply_chamber_defaults(DaemonSettings& s, const EncodingSpec& spec) {
  if (spec.parts.entries.size() < 2) return;
  if (!s.human_instrument_given) s.duet.human_prefix = spec.parts.entries.front().prefix;
  if (!s.clara_instrument_given) s.duet.clara_prefix = spec.parts.entries.back().prefix;
}

}  // namespace clara::daemon
