#pragma once
// How clarad's process ends: the exit code its body returns, StartupError's
// code, or 70 (EX_SOFTWARE) for anything else thrown, each error logged.
#include <functional>

namespace clara::daemon {

// Runs `body` and ends the process with its code, without exit()'s static teardown:
// by then ports are closed and files written, and what exit() would still run is
// LibTorch's (0.3-0.6 s deregistering operators), enough to break the 500 ms SIGTERM
// promise. stdio is flushed first.
[[noreturn]] void run_and_exit(const std::function<int()>& body);

}  // namespace clara::daemon
