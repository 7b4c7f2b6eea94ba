#pragma once
// The encoding spec recorded next to a token file (OUT/manifest.toml written by
// `clara encode`), so decode and stats read tokens the way they were written.
#include <filesystem>
#include <optional>
#include <span>
#include <string>

#include "core/encoding/encoding_spec.hpp"

namespace clara::cli {

// Spec from DIR/manifest.toml when `tokens_path` is a file in such a folder (or
// the folder itself); nullopt when there is none. DataError when it is malformed.
std::optional<EncodingSpec> manifest_spec(const std::filesystem::path& tokens_path);

class Args;
// How to read the tokens at `path`: the spec flags when given, else the manifest
// beside them, else recognised from `tokens` (DataError when nothing fits).
EncodingSpec resolve_spec(const Args& args, const std::filesystem::path& path,
                          std::span<const std::string> tokens);

}  // namespace clara::cli
