#include "daemon/service/notify_message.hpp"

#include <cmath>

namespace clara::daemon {
namespace {

std::string printable(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  return out;
}

std::string bpm_text(double bpm) {
  // Tempo is set in steps like 96.5 as often as 120: no trailing ".0" for whole numbers.
  const double rounded = std::round(bpm * 10) / 10;
  std::string s = std::to_string(rounded);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

std::string status_text(const ServiceStatus& s) {
  std::string t = "model " + printable(s.model) + ", mode " + printable(s.mode) + ", " + bpm_text(s.bpm) + " bpm, " +
                  std::to_string(s.late) + (s.late == 1 ? " late event" : " late events");
  if (!s.playing) t += ", stopped";
  if (s.output_stalled) t += ", output stalled";
  if (s.inference_stalled) t += ", inference stalled";
  return t;
}

std::string status_message(const ServiceStatus& s) { return "STATUS=" + status_text(s); }

std::string ready_message(const ServiceStatus& s) { return "READY=1\n" + status_message(s); }

std::string stopping_message() { return "STOPPING=1\nSTATUS=stopping: every note ended, ports closed"; }

}  // namespace clara::daemon
