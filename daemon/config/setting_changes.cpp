#include "daemon/config/setting_changes.hpp"

#include <sstream>
#include <utility>

#include <toml++/toml.h>

#include "daemon/config/config_toml.hpp"

namespace clara::daemon {

namespace {

using Flat = std::vector<std::pair<std::string, std::string>>;

std::string text_of(const toml::node& n) {
  std::ostringstream os;
  os << toml::toml_formatter{n, toml::format_flags::allow_unicode_strings};
  return os.str();
}

void flatten(const toml::table& t, const std::string& prefix, Flat& out) {
  for (const auto& [k, node] : t) {
    const std::string key = prefix + std::string(k.str());
    if (const auto* sub = node.as_table()) {
      flatten(*sub, key + ".", out);
    } else if (const auto* arr = node.as_array(); arr && arr->is_array_of_tables()) {
      for (std::size_t i = 0; i < arr->size(); ++i)
        flatten(*arr->get(i)->as_table(), key + "[" + std::to_string(i) + "].", out);
    } else {
      out.emplace_back(key, text_of(node));
    }
  }
}

Flat flat_settings(const DaemonSettings& s) {
  Flat out;
  const toml::table root = toml::parse(config_toml(s, SettingSources{}));
  flatten(root, "", out);
  return out;
}

const std::string* find(const Flat& f, const std::string& key) {
  for (const auto& [k, v] : f)
    if (k == key) return &v;
  return nullptr;
}

}  // namespace

std::vector<SettingChange> setting_changes(const DaemonSettings& a, const DaemonSettings& b) {
  const Flat fa = flat_settings(a), fb = flat_settings(b);
  std::vector<SettingChange> out;
  const std::string none = "(not set)";
  for (const auto& [k, v] : fa) {
    if (k == "control.token") continue;  // compared below, never shown
    const std::string* w = find(fb, k);
    if (!w || *w != v) out.push_back({k, v, w ? *w : none});
  }
  for (const auto& [k, v] : fb)
    if (!find(fa, k) && k != "control.token") out.push_back({k, none, v});
  if (a.control.token != b.control.token) out.push_back({"control.token", "(hidden)", "(hidden)"});
  return out;
}

}  // namespace clara::daemon
