#pragma once
// The stacks of the real-time threads (the JACK process thread, the ALSA clock thread) touched
// once when each thread starts, so that their first deep call does not stop on a page fault:
// a new thread's stack is mapped but not yet in memory, and mlockall(MCL_ONFAULT) locks a page
// only once it has been touched. A fault in the process callback is a late note.
#include <cstddef>

namespace clara::daemon {

// What each real-time thread touches: well above the deepest call the output path makes, and
// under JACK's own real-time thread stack (512 KiB in JACK2).
inline constexpr std::size_t kRealtimeStackBytes = 128 * 1024;

// Touches `bytes` of the calling thread's stack below the caller's frame, one write per page.
// Call it first thing on a real-time thread, before its first cycle. realtime-safe (it allocates
// nothing but the stack it is asked to touch).
void prefault_stack(std::size_t bytes = kRealtimeStackBytes) noexcept;

}  // namespace clara::daemon
