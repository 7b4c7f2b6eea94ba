#pragma once
// Where each setting's value came from, as clarad --print-config shows it: a config file's
// "FILE:LINE", a flag ("--tempo"), or nothing recorded, the built-in default.
#include <map>
#include <string>

namespace clara::daemon {

struct SettingSources {
  // By key as the config file and its errors name it, one table of an array of tables by
  // its index: "duet.tempo", "midi.output[0].connect", "route[1].channel", "cc[0].min".
  std::map<std::string, std::string> origin;

  void set(const std::string& key, std::string from) { origin[key] = std::move(from); }
  // "default" when nothing was recorded.
  std::string of(const std::string& key) const {
    const auto it = origin.find(key);
    return it == origin.end() ? "default" : it->second;
  }
  bool operator==(const SettingSources&) const = default;
};

}  // namespace clara::daemon
