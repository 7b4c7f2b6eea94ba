#include "daemon/midi/stack_prefault.hpp"

#include <unistd.h>

namespace clara::daemon {

// noinline: the touched region must be this frame's, below the caller's.
__attribute__((noinline)) void prefault_stack(std::size_t bytes) noexcept {
  const long page = sysconf(_SC_PAGESIZE);
  const std::size_t step = page > 0 ? static_cast<std::size_t>(page) : 4096;
  auto* region = static_cast<volatile unsigned char*>(__builtin_alloca(bytes));
  for (std::size_t i = 0; i < bytes; i += step) region[i] = 0;
  if (bytes > 0) region[bytes - 1] = 0;
}

}  // namespace clara::daemon
