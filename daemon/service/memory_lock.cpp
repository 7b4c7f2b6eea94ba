#include "daemon/service/memory_lock.hpp"

#include "daemon/log/logger.hpp"

#include <sys/mman.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#if defined(__SANITIZE_ADDRESS__)
#define CLARA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CLARA_ASAN 1
#endif
#endif

namespace clara::daemon {
namespace {

// CAP_IPC_LOCK (bit 14 of the effective set): mlock without RLIMIT_MEMLOCK's bound.
bool can_lock_without_limit() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("CapEff:", 0) == 0) return (std::stoull(line.substr(7), nullptr, 16) >> 14) & 1;
  return false;
}

}  // namespace

MemoryLock lock_memory(long resident_kb, long long limit_kb) {
  if (limit_kb < 0) {
    rlimit r{};
    if (getrlimit(RLIMIT_MEMLOCK, &r) != 0) return {false, std::string("memory not locked: getrlimit: ") + std::strerror(errno)};
    limit_kb = r.rlim_cur == RLIM_INFINITY || can_lock_without_limit() ? -1 : static_cast<long long>(r.rlim_cur / 1024);
  }
  const std::string how =
      " (allow it with `ulimit -l unlimited`, LimitMEMLOCK=infinity in a systemd unit as the shipped one has, or "
      "the audio group's memlock limit in /etc/security/limits.d/)";
  const long long needed_kb = 2LL * (resident_kb > 0 ? resident_kb : 0);
  if (limit_kb >= 0 && limit_kb < needed_kb)
    return {false, "memory not locked: the memlock limit is " + std::to_string(limit_kb) + " kB and clarad holds " +
                       std::to_string(resident_kb) + " kB; a page fault on the real-time path can make a note late" + how};
#ifdef CLARA_ASAN
  return {false, "memory not locked: an AddressSanitizer build (its shadow memory would be locked too)"};
#endif
  // MCL_ONFAULT: what is resident now (the model, as warmed) and every page touched later stays
  // in RAM, but nothing is read in to be locked: without it the whole of LibTorch's libraries and
  // every thread's full stack became resident (peak RSS 279 -> 988 MB in `clara demo`).
  if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0)
    return {false, std::string("memory not locked: mlockall: ") + std::strerror(errno) + how};
  return {true, "memory locked (" + std::to_string(resident_kb) + " kB resident; limit " +
                    (limit_kb < 0 ? std::string("unlimited") : std::to_string(limit_kb) + " kB") + ")"};
}

MemoryLock lock_memory_and_log(long resident_kb) {
  MemoryLock lock = lock_memory(resident_kb);
  if (lock.locked)
    log::info("%s", lock.message.c_str());
  else
    log::warning("%s", lock.message.c_str());
  return lock;
}

}  // namespace clara::daemon
