#!/usr/bin/env bash
# Fuzzes the SMF reader/writer with libFuzzer for SECONDS (default 60).
# Usage: tools/fuzz.sh [SECONDS]
# Builds build-fuzz (clang, ASan+UBSan), seeds a scratch corpus from
# tests/data/*.mid and tests/data/fuzz_regressions, and exits non-zero when the
# fuzzer finds a crash; the crash file is then printed so that it can be added
# to tests/data/fuzz_regressions/.
set -euo pipefail
seconds=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CLARA_FUZZ_BUILD:-$root/build-fuzz}

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja \
  -DCLARA_FUZZ=ON -DCLARA_WERROR=ON -DCLARA_WITH_TORCH=OFF -DCLARA_TESTS=OFF -DCLARA_BENCH=OFF >/dev/null
cmake --build "$build" --target midi_fuzz -j2
fuzzer=$build/bin/midi_fuzz
[[ -x $fuzzer ]] || fuzzer=$build/tests/fuzz/midi_fuzz

work=$(mktemp -d "${TMPDIR:-/tmp}/clara-fuzz.XXXXXX")
mkdir -p "$work/corpus" "$work/artifacts"
cp "$root"/tests/data/*.mid "$work/corpus/" 2>/dev/null || true
cp "$root"/tests/data/fuzz_regressions/* "$work/corpus/" 2>/dev/null || true

echo "fuzzing for ${seconds}s in $work"
status=0
"$fuzzer" "$work/corpus" -max_total_time="$seconds" -max_len=65536 \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1 2>"$work/fuzz.log" || status=$?
tail -n 25 "$work/fuzz.log"
crashes=$(find "$work/artifacts" -type f)
if [[ $status -ne 0 || -n $crashes ]]; then
  echo "FUZZER FOUND A PROBLEM (exit $status); log: $work/fuzz.log" >&2
  for f in $crashes; do echo "crash file: $f" >&2; done
  exit 1
fi
echo "no crash in ${seconds}s (corpus kept in $work/corpus)"
