#!/usr/bin/env bash
# Builds and runs every Clara test suite:
#   1. a Release build of the whole tree (with LibTorch) and all ctest suites;
#   2. the torch-free suites again under AddressSanitizer + UndefinedBehaviorSanitizer (Debug);
#   3. a RelWithDebInfo build of the torch-free tree (warnings as errors, as in 1 and 2);
#   4. the libFuzzer targets: the OSC datagram decoder to 5 M executions (the control issue's
#      bar: osc_packet_fuzz, OSC_PACKET_FUZZ_RUNS), the config loader to 1 M (the service issue's,
#      CONFIG_FUZZ_RUNS), and the SMF reader and the OSC codec with its TCP stream framings for
#      FUZZ_SECONDS each (default 60; OSC_FUZZ_RUNS sets a count instead: the stream checks make
#      it ~10x slower per input, and 5 M of it took 14 minutes of CI at inputs up to 2 KiB).
# Prints ctest's summary for each; exits non-zero if anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
fuzz_seconds=${FUZZ_SECONDS:-60}
status=0
# Each stage says how long the one before it took, so a CI log shows where its time goes.
started=$SECONDS stage_started=
stage() {
  [ -z "$stage_started" ] || echo "   (that took $((SECONDS - stage_started)) s)"
  stage_started=$SECONDS
  echo "== $* =="
}

# The suites run on a user's Release build of everything, so GCC's -O3-only warnings in any
# file (LibTorch parts included) fail here, not on a user's machine; the ASan stage covers Debug
# and stage 3 RelWithDebInfo. build-test/, not build/: tools/setup.sh builds build/ (Release) without
# -Werror, and sharing it would rebuild everything each time one follows the other.
# JACK2's shared-memory registry (/dev/shm/jack-shm-registry) keeps the entries of servers that
# were killed, and its 8 server slots never free those of other names: on a machine that has run
# many private servers, the integration tests' servers fail to start or clients reach the wrong
# one (two tests failed so at the start of a run here). Removed only while no jackd runs, as
# docs/daemon.md's troubleshooting says; the next server makes a new one.
fresh_jack_registry() {
  command -v pgrep >/dev/null 2>&1 || return 0
  if [ -e /dev/shm/jack-shm-registry ] && ! pgrep -x jackd >/dev/null 2>&1; then
    rm -f /dev/shm/jack-shm-registry 2>/dev/null || true
  fi
}

stage "build (Release, LibTorch)"
cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=Release -DCLARA_WERROR=ON >/dev/null
cmake --build build-test -j"$jobs"
stage "tests"
fresh_jack_registry
ctest --test-dir build-test -j"$jobs" --output-on-failure --timeout 600 || status=1

stage "torch-free suites under ASan/UBSan"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCLARA_SANITIZE=ON -DCLARA_WERROR=ON \
  -DCLARA_WITH_TORCH=OFF -DCLARA_BENCH=OFF >/dev/null
cmake --build build-asan -j"$jobs"
fresh_jack_registry
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan -j"$jobs" --output-on-failure --timeout 600 || status=1

stage "RelWithDebInfo build (a user's debuggable build type; torch-free, so it costs ~2 min)"
cmake -S . -B build-relwithdebinfo -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLARA_WERROR=ON \
  -DCLARA_WITH_TORCH=OFF -DCLARA_BENCH=OFF >/dev/null
cmake --build build-relwithdebinfo -j"$jobs" || status=1

stage "fuzzing: OSC datagrams to ${OSC_PACKET_FUZZ_RUNS:-5000000} executions, config to ${CONFIG_FUZZ_RUNS:-1000000}, SMF and OSC streams for ${fuzz_seconds}s each"
OSC_PACKET_FUZZ_RUNS=${OSC_PACKET_FUZZ_RUNS:-5000000} OSC_FUZZ_RUNS=${OSC_FUZZ_RUNS:-0} \
  OSC_FUZZ_MAX_LEN=${OSC_FUZZ_MAX_LEN:-2048} CONFIG_FUZZ_RUNS=${CONFIG_FUZZ_RUNS:-1000000} \
  tools/fuzz.sh "$fuzz_seconds" || status=1

echo "   (that took $((SECONDS - stage_started)) s; $((SECONDS - started)) s in all)"
if [ "$status" -eq 0 ]; then echo "ALL TESTS PASSED"; else echo "SOME TESTS FAILED"; fi
exit "$status"
