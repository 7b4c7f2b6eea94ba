#pragma once
// Files that survive a crash or a power cut in a known state: replaced whole (a reader sees
// the old file or the new one, never half of one) or appended and flushed to the disk.
// Errors are std::runtime_error naming the file and errno's reason.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

namespace clara::daemon {

// Writes `bytes` to `path`.tmp, fsyncs it, renames it over `path` and fsyncs the folder.
void replace_file_durably(const std::filesystem::path& path, std::span<const std::uint8_t> bytes);

// A file opened for appending; every append() reaches the disk (fdatasync) before it returns.
class DurableAppendFile {
 public:
  // Creates `path` (it must not exist yet) and fsyncs its folder, so the file itself survives.
  explicit DurableAppendFile(const std::filesystem::path& path);
  ~DurableAppendFile();
  DurableAppendFile(const DurableAppendFile&) = delete;
  DurableAppendFile& operator=(const DurableAppendFile&) = delete;

  void append(std::string_view text);
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace clara::daemon
