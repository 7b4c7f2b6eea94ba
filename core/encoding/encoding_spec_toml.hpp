#pragma once
// EncodingSpec <-> TOML, shared by corpus manifests and model cards so a token
// file or a model always says how to read its tokens.
#include <string>

#include <toml++/toml.h>

#include "core/encoding/encoding_spec.hpp"

namespace clara {

// { encoding, sample_freq, range_lowest, range_size, parts, prefixes }
toml::table to_toml(const EncodingSpec& spec);
// Reads the table written by to_toml; errors name `source` and the key.
EncodingSpec spec_from_toml(const toml::table& table, const std::string& source);

}  // namespace clara
