#include "daemon/log/logger.hpp"

#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace clara::daemon::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::info)};
std::mutex g_mutex;  // whole lines: threads never interleave within one

bool journal_now() {
  const char* js = std::getenv("JOURNAL_STREAM");
  if (!js || !*js) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(js, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  if (fstat(2, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev && static_cast<unsigned long long>(st.st_ino) == ino;
}

}  // namespace

bool stderr_is_journal() {
  static const bool journal = journal_now();
  return journal;
}

bool parse_level(std::string_view name, Level& out) {
  for (Level l : {Level::error, Level::warning, Level::notice, Level::info, Level::debug})
    if (name == to_string(l)) {
      out = l;
      return true;
    }
  return false;
}

std::string_view to_string(Level level) {
  switch (level) {
    case Level::error: return "error";
    case Level::warning: return "warning";
    case Level::notice: return "notice";
    case Level::info: return "info";
    case Level::debug: return "debug";
  }
  return "info";
}

void set_level(Level level) { g_level.store(static_cast<int>(level)); }
Level level() { return static_cast<Level>(g_level.load()); }

void vwrite(Level lvl, const char* format, std::va_list args) {
  if (static_cast<int>(lvl) > g_level.load()) return;
  char text[2048];
  std::vsnprintf(text, sizeof text, format, args);
  std::lock_guard lock(g_mutex);
  if (stderr_is_journal()) {
    std::fprintf(stderr, "<%d>%s\n", static_cast<int>(lvl), text);
  } else {
    std::fprintf(stderr, "clarad: %s\n", text);
  }
  std::fflush(stderr);
}

void write(Level lvl, const char* format, ...) {
  std::va_list args;
  va_start(args, format);
  vwrite(lvl, format, args);
  va_end(args);
}

}  // namespace clara::daemon::log
