#pragma once
// The settings written back as a clarad.toml, for clarad --print-config: every key the
// loader reads with its value and, as a comment, where the value came from ("# default",
// "# /home/u/.config/clara/clarad.toml:12", "# --tempo"). Loading the text back
// (load_config_text, or clarad --config) gives the same settings, except for what no file
// key holds or the output must not show:
//   - the control token is never written: a comment says where it was set and the key is
//     left out, so the round trip lacks it (add it back by hand);
//   - --stats-file has no file key: a comment shows it;
//   - --channel without a [[route]] for Clara's instrument is written as such a route, which
//     clarad plays the same (the file has no other key for Clara's channel).
#include <string>

#include "daemon/config/setting_sources.hpp"
#include "daemon/config/settings.hpp"

namespace clara::daemon {

// `header`, when not empty, is written first as comment lines (each prefixed "# ").
std::string config_toml(const DaemonSettings& settings, const SettingSources& sources, const std::string& header = "");

}  // namespace clara::daemon
