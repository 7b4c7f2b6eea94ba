#include "daemon/engine/engine_factory.hpp"

#include <stdexcept>
#include <string>

#include "daemon/service/startup_error.hpp"

namespace clara::daemon {

DuetEngine make_engine(TokenModel& model, const Vocabulary& vocab, const EncodingSpec& spec, const DuetConfig& config) {
  try {
    return DuetEngine(model, vocab, spec, config);
  } catch (const std::invalid_argument& e) {
    throw StartupError(64, std::string("the duet refuses the settings: ") + e.what());
  }
}

std::int64_t start_engine(DuetEngine& engine, const MidiBackend& backend) {
  const std::int64_t origin = backend.now_ns() + backend.period_ns() + kStartMarginNs;
  engine.start(origin);
  return origin;
}

}  // namespace clara::daemon
