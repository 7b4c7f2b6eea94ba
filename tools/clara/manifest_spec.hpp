#pragma once
// The encoding spec recorded next to a token file (OUT/manifest.toml written by
// `clara encode`), so decode and stats read tokens the way they were written.
#include <filesystem>
#include <optional>

#include "core/encoding_spec.hpp"

namespace clara::cli {

// Spec from DIR/manifest.toml when `tokens_path` is a file in such a folder (or
// the folder itself); nullopt when there is none. DataError when it is malformed.
std::optional<EncodingSpec> manifest_spec(const std::filesystem::path& tokens_path);

}  // namespace clara::cli
