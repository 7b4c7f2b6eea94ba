#include "daemon/engine/control_command.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "daemon/config/sync_settings.hpp"

namespace clara::daemon {

namespace {

template <typename... Ts>
struct Visitor : Ts... {
  using Ts::operator()...;
};

std::optional<std::string> check(const SetMode& m, const EncodingSpec&) {
  const int v = static_cast<int>(m.mode);
  if (v < static_cast<int>(DuetMode::answer) || v > static_cast<int>(DuetMode::listen))
    return "mode " + std::to_string(v) + " is not answer, accompany, solo or listen";
  return std::nullopt;
}

std::optional<std::string> check(const SetTempo& t, const EncodingSpec&) {
  if (!std::isfinite(t.bpm) || t.bpm < kMinBpm || t.bpm > kMaxBpm) {
    char why[96];
    std::snprintf(why, sizeof why, "tempo %g bpm is outside %g..%g", t.bpm, kMinBpm, kMaxBpm);
    return std::string(why);
  }
  return std::nullopt;
}

std::optional<std::string> check(const SetSampler& s, const EncodingSpec&) {
  try {
    s.sampler.validate();
  } catch (const std::invalid_argument& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

std::optional<std::string> check(const SetVelocity& v, const EncodingSpec&) {
  if (v.velocity < 0 || v.velocity > 127)
    return "velocity " + std::to_string(v.velocity) + " is outside 0..127 (0 = follow the human)";
  return std::nullopt;
}

std::optional<std::string> check(const SetInstruments& i, const EncodingSpec& spec) {
  for (const std::string* p : {&i.human, &i.clara})
    if (spec.parts.find_prefix(*p) < 0) {
      std::string known;
      for (const auto& e : spec.parts.entries) known += (known.empty() ? "" : ", ") + e.prefix;
      return "instrument '" + *p + "' is not in the model's part table (" + known + ")";
    }
  return std::nullopt;
}

std::optional<std::string> check(const SetPhrasing& p, const EncodingSpec&) {
  try {
    p.phrasing.validate();
  } catch (const std::invalid_argument& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

std::optional<std::string> check(const SetRoute& r, const EncodingSpec& spec) {
  if (spec.parts.find_prefix(r.instrument) < 0) return check(SetInstruments{r.instrument, r.instrument}, spec);
  if (r.channel < 0 || r.channel > 15)
    return "channel " + std::to_string(r.channel + 1) + " is outside 1..16";
  if (r.program < -1 || r.program > 127)
    return "program " + std::to_string(r.program) + " is outside 0..127 (or -1: none)";
  if (r.shape) {
    const RouteShape& s = *r.shape;
    if (s.output < 0) return "output " + std::to_string(s.output) + " is not an output port";
    if (!(s.velocity_curve >= 0.1 && s.velocity_curve <= 10))
      return "velocity curve " + std::to_string(s.velocity_curve) + " is outside [0.1, 10]";
    if (s.note_low < 0 || s.note_high > 127 || s.note_high < s.note_low + 11)
      return "note range " + std::to_string(s.note_low) + ".." + std::to_string(s.note_high) +
             " is not within 0..127 and at least an octave wide";
  }
  return std::nullopt;
}

std::optional<std::string> check(const SwapModel& m, const EncodingSpec&) {
  if (!m.model || !m.ticket) return "model swap without a model";
  return std::nullopt;
}

std::optional<std::string> check(const CaptureContext& c, const EncodingSpec&) {
  if (!c.copy) return "context capture without a destination";
  return std::nullopt;
}

std::optional<std::string> check(const SetSync& s, const EncodingSpec&) { return tempo_source_refusal(s.source); }

template <typename T>
std::optional<std::string> check(const T&, const EncodingSpec&) {
  return std::nullopt;  // commands without values
}

}  // namespace

std::optional<std::string> validate(const ControlCommand& command, const EncodingSpec& spec) {
  return std::visit([&](const auto& c) { return check(c, spec); }, command);
}

const char* command_name(const ControlCommand& command) {
  return std::visit(Visitor{[](const SetMode&) { return "mode"; }, [](const SetTempo&) { return "tempo"; },
                            [](const SetSampler&) { return "sampler"; },
                            [](const SetVelocity&) { return "velocity"; },
                            [](const SetInstruments&) { return "instruments"; },
                            [](const Panic&) { return "panic"; }, [](const StopPlaying&) { return "stop"; },
                            [](const StartPlaying&) { return "start"; },
                            [](const ResetContext&) { return "reset"; },
                            [](const SetPhrasing&) { return "phrasing"; },
                            [](const SetSync&) { return "sync"; },
                            [](const SetMetronome&) { return "metronome"; },
                            [](const SetRoute&) { return "route"; },
                            [](const SwapModel&) { return "model"; },
                            [](const CaptureContext&) { return "context"; }},
                    command);
}

}  // namespace clara::daemon
