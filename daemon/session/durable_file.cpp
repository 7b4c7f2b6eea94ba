#include "daemon/session/durable_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace clara::daemon {
namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const char* what) {
  throw std::runtime_error(path.string() + ": " + what + ": " + std::strerror(errno));
}

void write_all(int fd, const std::filesystem::path& path, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path, "cannot write");
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

// A rename or a new file is durable only once its folder's entry is on the disk too.
void sync_folder(const std::filesystem::path& file) {
  const std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(dir, "cannot open the folder to sync it");
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  errno = saved;
  if (rc != 0) fail(dir, "cannot sync the folder");
}

}  // namespace

void replace_file_durably(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(tmp, "cannot create");
  try {
    write_all(fd, tmp, reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (::fsync(fd) != 0) fail(tmp, "cannot sync");
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  if (::close(fd) != 0) fail(tmp, "cannot close");
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail(path, "cannot rename the new version into place");
  sync_folder(path);
}

DurableAppendFile::DurableAppendFile(const std::filesystem::path& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) fail(path, "cannot create");
  sync_folder(path);
}

DurableAppendFile::~DurableAppendFile() {
  if (fd_ >= 0) ::close(fd_);
}

void DurableAppendFile::append(std::string_view text) {
  write_all(fd_, path_, text.data(), text.size());
  if (::fdatasync(fd_) != 0) fail(path_, "cannot sync");
}

}  // namespace clara::daemon
