#include "daemon/control/control_state.hpp"

#include <string>

namespace clara::daemon {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : " ") + s;
  return out;
}

// "p:1:0 vn:2:40": instrument, channel 1..16, program (-1 = none), for every route.
std::string routes_text(const std::vector<InstrumentRoute>& routes) {
  std::string out;
  for (const auto& r : routes)
    out += (out.empty() ? "" : " ") + r.instrument + ":" + std::to_string(r.channel + 1) + ":" +
           std::to_string(r.program);
  return out;
}

}  // namespace

KeyValues status_values(const ControlState& s) {
  return {
      {"mode", std::string(to_string(s.mode))},
      {"playing", s.playing},
      {"model", s.model},
      {"encoding", s.encoding},
      {"tempo", static_cast<float>(s.bpm)},
      {"sync", s.sync},
      {"sync_locked", s.sync_locked},
      {"sync_bpm", static_cast<float>(s.sync_bpm)},
      {"metronome", s.metronome},
      {"meter", std::to_string(s.meter_numerator) + "/" + std::to_string(s.meter_denominator)},
      {"answer_bars", static_cast<std::int32_t>(s.phrasing.answer_bars)},
      {"silence_beats", static_cast<float>(s.phrasing.answer_silence_beats)},
      {"policy", std::string(to_string(s.sampler.policy))},
      {"temperature", static_cast<float>(s.sampler.temperature)},
      {"top_k", static_cast<std::int32_t>(s.sampler.top_k)},
      {"top_p", static_cast<float>(s.sampler.top_p)},
      {"random_freq", static_cast<float>(s.sampler.random_freq)},
      {"key_keeping", static_cast<float>(s.sampler.key_keeping)},
      // OSC's int32 cannot hold every 64-bit seed; 'h' can.
      {"seed", static_cast<std::int64_t>(s.sampler.seed)},
      {"velocity", static_cast<std::int32_t>(s.velocity)},
      {"human_instrument", s.human_instrument},
      {"clara_instrument", s.clara_instrument},
      {"instruments", join(s.instruments)},
      {"routes", routes_text(s.routes)},
      {"backend", s.backend},
      {"model_swap", s.model_swap},
      {"solo_ranking", s.solo_ranking},
  };
}

std::optional<osc::Value> state_value(const ControlState& state, std::string_view key) {
  for (auto& [k, v] : status_values(state))
    if (k == key) return v;
  return std::nullopt;
}

KeyValues changed_values(const ControlState& before, const ControlState& after) {
  const KeyValues a = status_values(before), b = status_values(after);
  KeyValues out;
  for (std::size_t i = 0; i < b.size(); ++i)
    if (!(a[i].second == b[i].second)) out.push_back(b[i]);
  return out;
}

}  // namespace clara::daemon
