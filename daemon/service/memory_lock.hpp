#pragma once
// Keeps clarad's memory in RAM (mlockall), so that the JACK process callback and the clock
// thread never wait for a page to come back from swap or a first touch: a page fault there is
// a late note. Locking is tried once at start, after the model is loaded and before the MIDI
// ports open; a refusal is a warning that says how to allow it, never a reason to stop playing.
#include <cstdint>
#include <string>

namespace clara::daemon {

struct MemoryLock {
  bool locked = false;
  std::string message;  // what happened, for the log: the limit and how to raise it on refusal
};

// Locks the pages in RAM now and every page touched later (MCL_CURRENT | MCL_FUTURE |
// MCL_ONFAULT: nothing untouched is read in to be locked), when
// RLIMIT_MEMLOCK allows at least `resident_kb` times two (the rest of the run's allocations:
// threads' stacks, the session's buffers); a limit below that would make later allocations
// fail under MCL_FUTURE, so then nothing is locked and the message says so. A process with
// CAP_IPC_LOCK (root) has no such limit. `limit_kb` < 0: read RLIMIT_MEMLOCK and the
// capability (tests pass their own limit). Under AddressSanitizer nothing is locked (its shadow
// memory would be).
MemoryLock lock_memory(long resident_kb, long long limit_kb = -1);
// lock_memory() with its message logged: info when locked, a warning when not.
MemoryLock lock_memory_and_log(long resident_kb);

}  // namespace clara::daemon
