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
    : sequencer_(&sequencer),
      client_name_(std::move(client_name)),
      input_patterns_(&input_patterns),
      output_patterns_(&output_patterns) {
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
  const std::vector<std::optional<SeqAddress>> own = own_addresses(all);
  std::vector<std::string> sources, destinations;
  std::map<std::string, SeqAddress> where;
  for (const SeqPort& p : all) {
    if (p.client_name == client_name_) continue;
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
    watch.report(scan, "ALSA", setting);
    for (const auto& other : scan.connect) {
      // Connected already (by hand, or kept across a reload of the patterns): nothing to do or say.
      if (link(other, [&](SeqAddress from, SeqAddress to) { return sequencer_->subscribed(from, to); })) {
        watch.connected(other);
        continue;
      }
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

std::vector<std::optional<SeqAddress>> AlsaPortFollower::own_addresses(const std::vector<SeqPort>& all) const {
  std::vector<std::optional<SeqAddress>> own(own_names_.size());
  for (const SeqPort& p : all) {
    if (p.client_name != client_name_) continue;
    for (std::size_t i = 0; i < own_names_.size(); ++i)
      if (!own[i] && p.port_name == own_names_[i] && (i == 0 ? p.destination : p.source)) own[i] = p.address;
  }
  return own;
}

std::vector<AlsaPortFollower::Leave> AlsaPortFollower::leaving(const PortPatterns& input,
                                                               const std::vector<PortPatterns>& outputs) {
  std::vector<Leave> leave;
  const std::vector<SeqPort> all = sequencer_->ports();
  const std::vector<std::optional<SeqAddress>> own = own_addresses(all);
  for (std::size_t w = 0; w < own.size(); ++w) {
    if (!own[w]) continue;
    const bool is_input = w == 0;
    const PortPatterns& old = is_input ? *input_patterns_ : output_patterns_->at(w - 1);
    const PortPatterns& now = is_input ? input : outputs.at(w - 1);
    for (const SeqAddress other : sequencer_->connections(*own[w], /*readers=*/!is_input)) {
      const auto it = std::find_if(all.begin(), all.end(), [&](const SeqPort& p) { return p.address == other; });
      if (it == all.end() || it->client_name == client_name_) continue;
      const std::string name = it->full_name();
      if (!old.matches(name) || now.matches(name)) continue;  // by hand, or still wanted: stays
      Leave l;
      l.from = is_input ? other : *own[w];
      l.to = is_input ? *own[w] : other;
      l.from_name = is_input ? name : watches_[w].own_port();
      l.to_name = is_input ? watches_[w].own_port() : name;
      l.output = !is_input;
      leave.push_back(std::move(l));
    }
  }
  return leave;
}

void AlsaPortFollower::forget_all() {
  for (auto& w : watches_) w.forget_all();
}

bool AlsaPortFollower::retry_pending() const {
  return std::any_of(watches_.begin(), watches_.end(), [](const PortWatch& w) { return w.retry_pending(); });
}

}  // namespace clara::daemon
