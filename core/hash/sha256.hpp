#pragma once
// SHA-256 of bytes and files (OpenSSL libcrypto), as lowercase hex. Used for
// the corpus manifest and to verify model files before anything parses them.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

namespace clara {

std::string sha256_hex(std::span<const std::uint8_t> bytes);
// Streams the file; throws std::runtime_error naming the path when unreadable.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace clara
