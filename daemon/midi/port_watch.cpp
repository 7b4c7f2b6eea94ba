#include "daemon/midi/port_watch.hpp"

#include <utility>

#include "daemon/log/logger.hpp"

namespace clara::daemon {

PortWatch::PortWatch(std::string own_port, const PortPatterns& patterns)
    : own_port_(std::move(own_port)), patterns_(&patterns) {}

void PortWatch::report(const Scan& scan, const char* system, const std::string& setting) const {
  if (scan.nothing_matches)
    log::warning("no %s port matches %s yet; %s is connected to one when it appears", system, setting.c_str(),
                 own_port_.c_str());
  for (const auto& gone : scan.vanished)
    log::warning("%s port %s went away (it was connected to %s); connected again when it returns", system,
                 gone.c_str(), own_port_.c_str());
}

void PortWatch::connected(const std::string& port) {
  done_.insert(port);
  gone_.erase(port);
  failed_.erase(port);
}

void PortWatch::forget_all() {
  // Ports connected before are "back" when they appear on the new server.
  gone_.insert(done_.begin(), done_.end());
  done_.clear();
  failed_.clear();
}

}  // namespace clara::daemon
