#include "daemon/midi/port_watch.hpp"

#include <utility>

namespace clara::daemon {

PortWatch::PortWatch(std::string own_port, const PortPatterns& patterns)
    : own_port_(std::move(own_port)), patterns_(&patterns) {}

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
