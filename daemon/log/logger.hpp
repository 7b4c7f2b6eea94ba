#pragma once
// clarad's one logger, for everything that is not a real-time path (those count
// into atomics and never log). Lines go to stderr; under systemd (JOURNAL_STREAM
// names our stderr) each carries sd-daemon.h's "<N>" prefix so journald files it
// by priority, and a terminal sees plain "clarad: ..." lines.
#include <cstdarg>
#include <string>
#include <string_view>

namespace clara::daemon::log {

// syslog priorities, as sd-daemon.h's SD_ERR... prefixes use them.
enum class Level : int { error = 3, warning = 4, notice = 5, info = 6, debug = 7 };

// "error", "warning", "notice", "info", "debug"; false when the name is none of them.
bool parse_level(std::string_view name, Level& out);
std::string_view to_string(Level level);

// Messages above `level` (less urgent) are dropped. Default: info.
void set_level(Level level);
Level level();

void write(Level level, const char* format, ...) __attribute__((format(printf, 2, 3)));
void vwrite(Level level, const char* format, std::va_list args);

#define CLARA_LOG_FN(name, lvl)                                                      \
  inline void name(const char* format, ...) __attribute__((format(printf, 1, 2)));   \
  inline void name(const char* format, ...) {                                        \
    std::va_list args;                                                               \
    va_start(args, format);                                                          \
    vwrite(lvl, format, args);                                                       \
    va_end(args);                                                                    \
  }
CLARA_LOG_FN(error, Level::error)
CLARA_LOG_FN(warning, Level::warning)
CLARA_LOG_FN(notice, Level::notice)
CLARA_LOG_FN(info, Level::info)
CLARA_LOG_FN(debug, Level::debug)
#undef CLARA_LOG_FN

// Whether stderr is the journal (JOURNAL_STREAM's device:inode is our fd 2).
bool stderr_is_journal();

}  // namespace clara::daemon::log
