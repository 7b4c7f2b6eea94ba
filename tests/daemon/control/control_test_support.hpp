#pragma once
// A CommandSink that records what reaches it, validating as the DuetThread does.
#include <mutex>
#include <vector>

#include "core/encoding/encoding_spec.hpp"
#include "daemon/control/control_hub.hpp"

namespace clara::daemon::testing {

struct RecordingSink : CommandSink {
  explicit RecordingSink(EncodingSpec s = EncodingSpec::defaults(Encoding::chamber)) : spec(std::move(s)) {}
  std::optional<std::string> check(const ControlCommand& c) const override { return validate(c, spec); }
  std::optional<std::string> submit(const ControlCommand& c, std::int64_t due, bool on_bar) override {
    if (auto why = validate(c, spec)) return why;
    std::lock_guard lock(mutex);
    commands.push_back(c);
    dues.push_back(due);
    bars.push_back(on_bar);
    return std::nullopt;
  }
  std::size_t count() const {
    std::lock_guard lock(mutex);
    return commands.size();
  }
  EncodingSpec spec;
  mutable std::mutex mutex;
  std::vector<ControlCommand> commands;
  std::vector<std::int64_t> dues;
  std::vector<bool> bars;
};

inline ControlState chamber_state() {
  ControlState s;
  s.model = "chamber-test";
  s.encoding = "chamber";
  const auto spec = EncodingSpec::defaults(Encoding::chamber);
  for (const auto& e : spec.parts.entries) {
    s.instruments.push_back(e.prefix);
    s.instrument_names.push_back(e.name);
  }
  s.human_instrument = s.instruments.front();
  s.clara_instrument = s.instruments.back();
  s.routes.push_back(InstrumentRoute{});
  s.routes.back().instrument = s.clara_instrument;
  s.backend = "jack";
  return s;
}

}  // namespace clara::daemon::testing
