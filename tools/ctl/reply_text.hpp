#pragma once
// clarad's replies as a person reads them: `key: value` lines aligned on the
// values, the models as a table, the address list. The byte-level form stays
// osc::to_text's; this is the shell's view.
#include <optional>
#include <string>

#include "core/osc/osc_packet.hpp"

namespace clara::ctl {

// One argument as text: floats in their shortest exact form (0.8, not 0.800000),
// T/F as true/false, strings as they are, blobs as hex, nil as "nil".
std::string value_text(const osc::Value& value);

// Arguments [from, end) as value_text joined by spaces: /clara/value's value(s).
std::string values_text(const osc::Message& message, std::size_t from);

// /clara/status and /clara/metrics (alternating s:key, value): one `key: value` line each,
// values aligned. An argument where a key should be is printed as `?: value`.
std::string key_value_lines(const osc::Message& reply);

// The value of `key` in an alternating key/value reply, if it is there.
std::optional<osc::Value> find_value(const osc::Message& reply, const std::string& key);

// /clara/models (groups of s:name s:encoding s:instruments f:held_out_nll) as a table with
// a header; `playing` (from /clara/status's model) is marked with '*'; NLL -1 reads "-".
std::string models_table(const osc::Message& reply, const std::optional<std::string>& playing);

// /clara/list (alternating s:address s:typetags): one `address  typetags` line each; no
// arguments read "-".
std::string list_lines(const osc::Message& reply);

// For `watch`: "   12.345  tempo: 120" — seconds since the watch began, then the pushed
// /clara/value as key: value.
std::string watch_line(double seconds, const osc::Message& value);

}  // namespace clara::ctl
