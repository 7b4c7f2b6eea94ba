#include "tools/jackio/score_messages.hpp"

#include <algorithm>
#include <cmath>

namespace clara::jackio {

double seconds_at(const Score& score, double quarter) {
  double seconds = 0, at = 0, bpm = 120;
  for (const auto& change : score.tempo_map) {
    if (change.quarter >= quarter) break;
    seconds += (change.quarter - at) * 60.0 / bpm;
    at = change.quarter;
    bpm = change.bpm;
  }
  return seconds + (quarter - at) * 60.0 / bpm;
}

std::vector<TimedMessage> messages_from_score(const Score& score) {
  struct Keyed {
    TimedMessage m;
    bool off;
  };
  std::vector<Keyed> all;
  auto ns = [&](double quarter) { return static_cast<std::int64_t>(std::llround(seconds_at(score, quarter) * 1e9)); };
  for (const auto& part : score.parts) {
    const auto ch = static_cast<std::uint8_t>(part.channel & 0x0F);
    for (const auto& n : part.notes) {
      const auto key = static_cast<std::uint8_t>(n.pitch & 0x7F);
      const auto velocity = static_cast<std::uint8_t>(std::clamp(n.velocity, 1, 127));
      all.push_back({TimedMessage{ns(n.start), ShortMessage{static_cast<std::uint8_t>(0x90 | ch), key, velocity}, 0}, false});
      all.push_back({TimedMessage{ns(n.end), ShortMessage{static_cast<std::uint8_t>(0x80 | ch), key, 0}, 0}, true});
    }
  }
  std::stable_sort(all.begin(), all.end(), [](const Keyed& a, const Keyed& b) {
    if (a.m.time_ns != b.m.time_ns) return a.m.time_ns < b.m.time_ns;
    return a.off && !b.off;
  });
  std::vector<TimedMessage> out;
  out.reserve(all.size());
  for (const auto& k : all) out.push_back(k.m);
  return out;
}

}  // namespace clara::jackio
