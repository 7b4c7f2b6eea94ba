#pragma once
// What the probe saw (or played) on a port: one MIDI message with the absolute
// JACK frame it was at and that frame on JACK's clock in ns. Stored as TSV,
// one message per line after a header: frame, time_ns, status, data1, data2.
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <stdexcept>
#include <vector>

#include "core/midi/short_message.hpp"

namespace clara::jackio {

struct ProbeEvent {
  std::uint32_t frame = 0;
  std::int64_t time_ns = 0;
  ShortMessage msg;
  bool operator==(const ProbeEvent&) const = default;
};

class ProbeEventsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr const char* kProbeEventsHeader = "frame\ttime_ns\tstatus\tdata1\tdata2";

void write_probe_events(std::ostream& out, const std::vector<ProbeEvent>& events);
// Throws ProbeEventsError naming the file and line of anything malformed.
std::vector<ProbeEvent> read_probe_events(const std::filesystem::path& path);

}  // namespace clara::jackio
