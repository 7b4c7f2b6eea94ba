#!/usr/bin/env bash
# Builds and runs every Clara test suite:
#   1. a Release build of the whole tree (with LibTorch) and all ctest suites;
#   2. the torch-free suites again under AddressSanitizer + UndefinedBehaviorSanitizer (Debug);
#   3. a RelWithDebInfo build of the torch-free tree (warnings as errors, as in 1 and 2);
#   4. the SMF, OSC and config libFuzzer targets for FUZZ_SECONDS each (default 60). tools/fuzz.sh
#      on its own runs the OSC and config targets to a count of executions (5 M and 1 M: about 40
#      minutes on 2 cores); here they run for a time, so that the suite fits CI's budget, unless
#      OSC_FUZZ_RUNS or CONFIG_FUZZ_RUNS is set.
# Prints ctest's summary for each; exits non-zero if anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
fuzz_seconds=${FUZZ_SECONDS:-60}
status=0

# The suites run on a user's Release build of everything, so GCC's -O3-only warnings in any
# file (LibTorch parts included) fail here, not on a user's machine; the ASan stage covers Debug
# and stage 3 RelWithDebInfo. build-test/, not build/: tools/setup.sh builds build/ (Release) without
# -Werror, and sharing it would rebuild everything each time one follows the other.
echo "== build (Release, LibTorch) =="
cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=Release -DCLARA_WERROR=ON >/dev/null
cmake --build build-test -j"$jobs"
echo "== tests =="
ctest --test-dir build-test -j"$jobs" --output-on-failure --timeout 600 || status=1

echo "== torch-free suites under ASan/UBSan =="
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCLARA_SANITIZE=ON -DCLARA_WERROR=ON \
  -DCLARA_WITH_TORCH=OFF -DCLARA_BENCH=OFF >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan -j"$jobs" --output-on-failure --timeout 600 || status=1

echo "== RelWithDebInfo build (a user's debuggable build type; torch-free, so it costs ~2 min) =="
cmake -S . -B build-relwithdebinfo -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLARA_WERROR=ON \
  -DCLARA_WITH_TORCH=OFF -DCLARA_BENCH=OFF >/dev/null
cmake --build build-relwithdebinfo -j"$jobs" || status=1

echo "== fuzzing (SMF, OSC, config) for ${fuzz_seconds}s each =="
OSC_FUZZ_RUNS=${OSC_FUZZ_RUNS:-0} CONFIG_FUZZ_RUNS=${CONFIG_FUZZ_RUNS:-0} tools/fuzz.sh "$fuzz_seconds" || status=1

if [ "$status" -eq 0 ]; then echo "ALL TESTS PASSED"; else echo "SOME TESTS FAILED"; fi
exit "$status"
