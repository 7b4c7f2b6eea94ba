#pragma once
// The process's peak resident set, for the stats file and benchmarks.
namespace clara::daemon {
// VmHWM from /proc/self/status in KiB, or -1 where it cannot be read.
long peak_rss_kb();
}  // namespace clara::daemon
