#pragma once
// The text clarad sends to systemd's notification socket (sd_notify(3)): one
// datagram of newline-separated VARIABLE=value assignments. Built here, apart
// from the socket, so the exact bytes are tested.
#include <cstdint>
#include <string>
#include <string_view>

namespace clara::daemon {

// What `systemctl status clarad` shows on its "Status:" line.
struct ServiceStatus {
  std::string model;           // the model card's name
  std::string mode;            // answer, accompany, solo, listen
  double bpm = 120;
  bool playing = true;         // false between /clara/stop and /clara/start
  std::uint64_t late = 0;      // output messages written after their due time, since start
  bool output_stalled = false; // the watchdog saw no output cycle since its last check
  bool inference_stalled = false;
};

// "model notewise-piano, mode answer, 120 bpm, 0 late events" (and ", stopped",
// ", output stalled", ", inference stalled" when so). Control characters in the
// model's name become spaces: a newline there would start an assignment of its own.
std::string status_text(const ServiceStatus& status);

std::string status_message(const ServiceStatus& status);  // "STATUS=..."
std::string ready_message(const ServiceStatus& status);   // "READY=1\nSTATUS=..."
std::string stopping_message();                           // "STOPPING=1\nSTATUS=stopping"
inline constexpr std::string_view kWatchdogMessage = "WATCHDOG=1";

}  // namespace clara::daemon
