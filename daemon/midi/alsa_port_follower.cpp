#include "daemon/midi/alsa_port_follower.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "daemon/log/logger.hpp"

namespace clara::daemon {

AlsaPortFollower::AlsaPortFollower(Sequencer& sequencer, std::string client_name, std::string input_port,
                                   const PortPatterns& input_patterns, std::vector<std::string> output_ports,
                                   const std::vector<PortPatterns>& output_patterns)
    : sequencer_(&sequencer), client_name_(std::move(client_name)) {
  own_names_.push_back(std::move(input_port));
  for (auto& name : output_ports) own_names_.push_back(std::move(name));
  watches_.emplace_back(client_name_ + ":" + own_names_[0], input_patterns);
  for (std::size_t i = 1; i < own_names_.size(); ++i)
    watches_.emplace_back(client_name_ + ":" + own_names_[i], output_patterns.at(i - 1));
}

AlsaPortFollower::Result AlsaPortFollower::scan(bool gone) {
  Result r;
  const std::vector<SeqPort> all = sequencer_->ports();
  // Ours: the input must take writes, an output must give reads; another client of clarad's name
  // (a second clarad) would not have both ports of these names unless it were a copy of this one.
  std::vector<std::optional<SeqAddress>> own(own_names_.size());
  std::vector<std::string> sources, destinations;
  std::map<std::string, SeqAddress> where;
  for (const SeqPort& p : all) {
    if (p.client_name == client_name_) {
      for (std::size_t i = 0; i < own_names_.size(); ++i)
        if (!own[i] && p.port_name == own_names_[i] && (i == 0 ? p.destination : p.source)) own[i] = p.address;
      continue;
    }
    const std::string name = p.full_name();
    where[name] = p.address;
    if (p.source) sources.push_back(name);
    if (p.destination) destinations.push_back(name);
  }
  for (std::size_t w = 0; w < watches_.size(); ++w) {
    PortWatch& watch = watches_[w];
    if (watch.empty()) continue;
    if (!own[w]) {
      r.own_ports_missing = true;
      continue;
    }
    const bool is_input = w == 0;
    const SeqAddress mine = *own[w];
    auto link = [&](const std::string& other, auto&& f) {
      const SeqAddress them = where.at(other);
      return is_input ? f(them, mine) : f(mine, them);
    };
    const auto scan = watch.scan(is_input ? sources : destinations, gone, [&](const std::string& other) {
      return link(other, [&](SeqAddress from, SeqAddress to) { return sequencer_->subscribed(from, to); });
    });
    const std::string setting = is_input ? "connect_input" : "outputs[" + std::to_string(w - 1) + "].connect";
    if (scan.nothing_matches)
      log::warning("no ALSA port matches %s yet; %s is connected to one when it appears", setting.c_str(),
                   watch.own_port().c_str());
    for (const auto& vanished : scan.vanished)
      log::warning("ALSA port %s went away (it was connected to %s); connected again when it returns",
                   vanished.c_str(), watch.own_port().c_str());
    for (const auto& other : scan.connect) {
      const std::string error =
          link(other, [&](SeqAddress from, SeqAddress to) { return sequencer_->subscribe(from, to); });
      const std::string& src = is_input ? other : watch.own_port();
      const std::string& dst = is_input ? watch.own_port() : other;
      if (!error.empty()) {
        // Tried again at each scan; said once, not at every retry.
        if (refused_.insert(other).second) log::warning("could not connect ALSA port %s to %s: %s", src.c_str(), dst.c_str(), error.c_str());
        watch.failed(other);
        continue;
      }
      watch.connected(other);
      refused_.erase(other);
      ++r.connected;
      r.new_output = r.new_output || !is_input;
      const bool back = std::find(scan.returned.begin(), scan.returned.end(), other) != scan.returned.end();
      log::info("%sconnected ALSA port %s to %s", back ? "port is back: " : "", src.c_str(), dst.c_str());
    }
  }
  return r;
}

bool AlsaPortFollower::retry_pending() const {
  return std::any_of(watches_.begin(), watches_.end(), [](const PortWatch& w) { return w.retry_pending(); });
}

}  // namespace clara::daemon
