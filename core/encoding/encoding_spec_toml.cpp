#include "core/encoding/encoding_spec_toml.hpp"

namespace clara {

toml::table to_toml(const EncodingSpec& spec) {
  toml::array prefixes;
  for (const auto& e : spec.parts.entries) prefixes.push_back(e.prefix);
  return toml::table{
      {"encoding", std::string(to_string(spec.encoding))},
      {"sample_freq", spec.sample_freq},
      {"range_lowest", spec.range.lowest},
      {"range_size", spec.range.size},
      {"parts", spec.parts.name},
      {"prefixes", prefixes},
  };
}

namespace {
template <typename T>
T required(const toml::table& t, const char* key, const std::string& source) {
  auto v = t[key].value<T>();
  if (!v) throw EncodingError(source + ": key '" + key + "' is missing or has the wrong type");
  return *v;
}
}  // namespace

EncodingSpec spec_from_toml(const toml::table& t, const std::string& source) {
  EncodingSpec spec;
  try {
    spec.encoding = parse_encoding(required<std::string>(t, "encoding", source));
    spec.parts = PartTable::by_name(required<std::string>(t, "parts", source));
  } catch (const std::invalid_argument& e) {
    throw EncodingError(source + ": " + e.what());
  }
  spec.sample_freq = static_cast<int>(required<std::int64_t>(t, "sample_freq", source));
  spec.range.lowest = static_cast<int>(required<std::int64_t>(t, "range_lowest", source));
  spec.range.size = static_cast<int>(required<std::int64_t>(t, "range_size", source));
  try {
    spec.validate();
  } catch (const std::exception& e) {
    throw EncodingError(source + ": " + e.what());
  }
  return spec;
}

}  // namespace clara
