#include "tools/jackio/probe_events.hpp"

#include <charconv>
#include <limits>
#include <fstream>
#include <ostream>
#include <string>
#include <string_view>

namespace clara::jackio {

void write_probe_events(std::ostream& out, const std::vector<ProbeEvent>& events) {
  out << kProbeEventsHeader << '\n';
  for (const auto& e : events)
    out << e.frame << '\t' << e.time_ns << '\t' << int(e.msg.status) << '\t' << int(e.msg.data1) << '\t'
        << int(e.msg.data2) << '\n';
}

namespace {

template <class T>
T field(std::string_view& rest, long lo, long hi, const std::string& where, const char* name) {
  const std::size_t tab = rest.find('\t');
  const std::string_view text = rest.substr(0, tab);
  rest = tab == std::string_view::npos ? std::string_view{} : rest.substr(tab + 1);
  long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < lo || value > hi)
    throw ProbeEventsError(where + ": " + name + " '" + std::string(text) + "' is not an integer in [" +
                           std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<T>(value);
}

}  // namespace

std::vector<ProbeEvent> read_probe_events(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw ProbeEventsError(path.string() + ": cannot open");
  std::string line;
  if (!std::getline(in, line) || line != kProbeEventsHeader)
    throw ProbeEventsError(path.string() + ":1: expected the header '" + kProbeEventsHeader + "'");
  std::vector<ProbeEvent> events;
  for (std::size_t number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const std::string where = path.string() + ":" + std::to_string(number);
    std::string_view rest = line;
    ProbeEvent e;
    e.frame = field<std::uint32_t>(rest, 0, 4294967295L, where, "frame");
    e.time_ns = field<std::int64_t>(rest, 0, std::numeric_limits<long>::max(), where, "time_ns");
    e.msg.status = field<std::uint8_t>(rest, 0x80, 0xFF, where, "status");
    e.msg.data1 = field<std::uint8_t>(rest, 0, 127, where, "data1");
    e.msg.data2 = field<std::uint8_t>(rest, 0, 127, where, "data2");
    if (!rest.empty()) throw ProbeEventsError(where + ": more than five fields");
    events.push_back(e);
  }
  return events;
}

}  // namespace clara::jackio
