#include "tools/clara/manifest_spec.hpp"

#include <toml++/toml.h>

#include "core/encoding/encoding_spec_toml.hpp"
#include "core/encoding/codec.hpp"
#include "tools/clara/cli.hpp"
#include "tools/clara/spec_options.hpp"

namespace clara::cli {

std::optional<EncodingSpec> manifest_spec(const std::filesystem::path& tokens_path) {
  if (tokens_path == "-") return std::nullopt;
  auto dir = std::filesystem::is_directory(tokens_path) ? tokens_path : tokens_path.parent_path();
  auto manifest = (dir.empty() ? std::filesystem::path(".") : dir) / "manifest.toml";
  if (!std::filesystem::exists(manifest)) return std::nullopt;
  try {
    auto table = toml::parse_file(manifest.string());
    auto* spec = table["spec"].as_table();
    if (!spec) throw DataError(manifest.string() + ": no [spec] table");
    return spec_from_toml(*spec, manifest.string());
  } catch (const toml::parse_error& e) {
    throw DataError(manifest.string() + ":" + std::to_string(e.source().begin.line) + ": " +
                    std::string(e.description()));
  } catch (const EncodingError& e) {
    throw DataError(e.what());
  }
}

EncodingSpec resolve_spec(const Args& args, const std::filesystem::path& path,
                          std::span<const std::string> tokens) {
  if (has_spec_options(args)) return spec_from_args(args);
  if (auto m = manifest_spec(path)) return *m;
  try {
    return detect_spec(tokens);
  } catch (const EncodingError& e) {
    throw DataError(path.string() + ": " + e.what() + " (give --encoding)");
  }
}

}  // namespace clara::cli
