#pragma once
// Hot-plug bookkeeping for one of clarad's own ports and the patterns it connects to
// (--connect-in / --connect-out): which ports to connect now, which went away. It knows no MIDI
// system: the backend's watcher thread (never a real-time one) lists the server's ports and hands
// them in, connects what this says, and reports back. So a port that appears is connected once;
// one that vanishes is reported once and connected again when it returns; a connection a user
// removed by hand stays removed until the port itself goes and comes back.
#include <set>
#include <string>
#include <vector>

#include "daemon/midi/port_patterns.hpp"

namespace clara::daemon {

class PortWatch {
 public:
  // `own_port` is the full name of clarad's port ("clara:midi_out"); `patterns` must outlive this.
  PortWatch(std::string own_port, const PortPatterns& patterns);

  struct Scan {
    std::vector<std::string> connect;   // matching ports to connect now
    std::vector<std::string> returned;  // those among them that had vanished before (logged as back)
    std::vector<std::string> vanished;  // connected ports no longer present, each reported once
    bool nothing_matches = false;       // patterns given, no present port matches (first scan only)
  };

  // `present`: the other clients' ports of the right direction now on the server. `reappear_check`:
  // some port went away since the last scan (a port that vanished and came back between two scans
  // is then still listed); `is_connected(port)` then tells whether our connection to it still
  // exists, and a present port we had connected that lost it is connected again.
  template <class IsConnected>
  Scan scan(const std::vector<std::string>& present, bool reappear_check, IsConnected&& is_connected);
  Scan scan(const std::vector<std::string>& present) {
    return scan(present, false, [](const std::string&) { return true; });
  }

  // Logs what a scan found that the user should hear of: patterns that match nothing yet (first
  // scan), each port that went away. `system` names the MIDI system ("JACK", "ALSA"), `setting`
  // where the patterns come from ("connect_input", "outputs[0].connect").
  void report(const Scan& scan, const char* system, const std::string& setting) const;
  void connected(const std::string& port);  // done: not connected again until it vanishes
  // A failed connection (a client whose port exists but that is not active yet refuses it) is
  // tried again at the next scan; this says whether one is waiting.
  bool retry_pending() const { return !failed_.empty(); }
  void failed(const std::string& port) { failed_.insert(port); }
  // The server went away: every port is new on the next one.
  void forget_all();

  const std::string& own_port() const { return own_port_; }
  void rename(std::string own_port) { own_port_ = std::move(own_port); }  // jack_port_rename'd
  bool empty() const { return patterns_->empty(); }

 private:
  std::string own_port_;
  const PortPatterns* patterns_;
  std::set<std::string> done_;     // connected by us, still present at the last scan
  std::set<std::string> gone_;     // connected once, vanished since (for the "is back" log)
  std::set<std::string> failed_;   // tried, refused: tried again
  bool first_scan_ = true;
};

template <class IsConnected>
PortWatch::Scan PortWatch::scan(const std::vector<std::string>& present, bool reappear_check,
                                IsConnected&& is_connected) {
  Scan s;
  const std::set<std::string> now(present.begin(), present.end());
  for (auto it = done_.begin(); it != done_.end();) {
    if (!now.count(*it)) {
      s.vanished.push_back(*it);
      gone_.insert(*it);
      it = done_.erase(it);
    } else if (reappear_check && !is_connected(*it)) {
      // Went away and came back between two scans, or is going away right now (still listed,
      // the connection already gone): reported now, connected again when it is there.
      s.vanished.push_back(*it);
      gone_.insert(*it);
      it = done_.erase(it);
    } else {
      ++it;
    }
  }
  failed_.clear();
  bool any_match = false;
  for (const auto& p : present) {
    if (patterns_->empty() || !patterns_->matches(p)) continue;
    any_match = true;
    if (done_.count(p)) continue;
    s.connect.push_back(p);
    if (gone_.count(p)) s.returned.push_back(p);
  }
  s.nothing_matches = first_scan_ && !patterns_->empty() && !any_match;
  first_scan_ = false;
  return s;
}

}  // namespace clara::daemon
