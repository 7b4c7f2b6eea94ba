#!/usr/bin/env bash
# Fuzzes, with libFuzzer, for SECONDS each (default 60):
#   midi_fuzz  the SMF reader/writer, seeded from tests/data/*.mid and tests/data/fuzz_regressions;
#   osc_packet_fuzz  the OSC packet decoder alone (what a UDP datagram meets), and
#   osc_fuzz   the OSC packet codec and the TCP stream framings, both seeded from
#              tests/data/osc_seeds and tests/data/osc_fuzz_regressions;
#   config_fuzz  clarad's config loader (guards, toml++, schema, ranges) and --print-config's round
#              trip, seeded from config/clarad.toml, tests/data/config_seeds and
#              tests/data/config_fuzz_regressions.
# Usage: tools/fuzz.sh [SECONDS]
# The OSC and config targets parse what a network peer or a user hands clarad, so they run to a
# number of executions, not a time: OSC_PACKET_FUZZ_RUNS and OSC_FUZZ_RUNS (default 5,000,000
# each) and CONFIG_FUZZ_RUNS (default 1,000,000), split over one libFuzzer job per core; 0 falls
# back to SECONDS.
# Inputs grow to 66,000 bytes (past OSC's 64 KiB packet limit) unless OSC_FUZZ_MAX_LEN or
# CONFIG_FUZZ_MAX_LEN says otherwise: the OSC check feeds every input to the stream decoders in
# pieces too, so long inputs run ~10x slower (tools/test.sh uses 2,048 to fit 5 M OSC runs in CI).
# Builds build-fuzz (clang, ASan+UBSan; CLARA_FUZZ_BUILD picks another folder), runs every target
# even when one finds something, prints libFuzzer's final stats for each, and exits non-zero
# when any finds a crash; the crash file is then printed so that it can be added to its
# regressions folder (tests/data/fuzz_regressions/, tests/data/osc_fuzz_regressions/ or
# tests/data/config_fuzz_regressions/ as a .toml).
set -euo pipefail
seconds=${1:-60}
osc_runs=${OSC_FUZZ_RUNS:-5000000}
osc_packet_runs=${OSC_PACKET_FUZZ_RUNS:-5000000}
config_runs=${CONFIG_FUZZ_RUNS:-1000000}
osc_max_len=${OSC_FUZZ_MAX_LEN:-66000}
config_max_len=${CONFIG_FUZZ_MAX_LEN:-66000}
jobs=$(nproc)
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CLARA_FUZZ_BUILD:-$root/build-fuzz}

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja \
  -DCLARA_FUZZ=ON -DCLARA_WERROR=ON -DCLARA_WITH_TORCH=OFF -DCLARA_TESTS=OFF -DCLARA_BENCH=OFF >/dev/null
cmake --build "$build" --target midi_fuzz osc_packet_fuzz osc_fuzz config_fuzz -j2

work=$(mktemp -d "${TMPDIR:-/tmp}/clara-fuzz.XXXXXX")
echo "fuzzing in $work: midi_fuzz ${seconds}s, osc_packet_fuzz ${osc_packet_runs} runs, osc_fuzz ${osc_runs} runs (inputs up to ${osc_max_len} bytes), config_fuzz ${config_runs} runs (up to ${config_max_len} bytes; 0 runs: ${seconds}s)"

# fuzz NAME RUNS SEED_GLOB... [-- LIBFUZZER_FLAGS...]: 0 when no crash, 1 otherwise. RUNS 0:
# one process for $seconds; otherwise $jobs processes of RUNS/$jobs executions each.
fuzz() {
  local name=$1 total_runs=$2
  shift 2
  local fuzzer=$build/bin/$name
  [[ -x $fuzzer ]] || fuzzer=$build/tests/fuzz/$name
  mkdir -p "$work/$name/corpus" "$work/$name/artifacts"
  local flags=()
  while [[ $# -gt 0 ]]; do
    if [[ $1 == -- ]]; then
      shift
      flags=("$@")
      break
    fi
    # Seeds only: the .expected files beside them are not inputs. A seed over 8 KiB (a 64 KiB
    # endless SLIP frame) is left out: libFuzzer would start at its length and run several times
    # slower on inputs that long; the regression runner still replays it.
    for seed in $1; do
      [[ -f $seed && $seed != *.expected && $seed != *.md && $seed != *.py ]] || continue
      [[ $(stat -c %s "$seed") -le 8192 ]] && cp "$seed" "$work/$name/corpus/"
    done
    shift
  done
  local status=0 budget=(-max_total_time="$seconds") max_len=66000
  for f in "${flags[@]+"${flags[@]}"}"; do [[ $f == -max_len=* ]] && max_len=${f#-max_len=}; done
  if [[ $total_runs -gt 0 ]]; then
    # Each job writes fuzz-N.log in the working directory, which the parent prints into ours when
    # the job ends; they share the corpus folder.
    budget=(-runs=$(((total_runs + jobs - 1) / jobs)) -jobs="$jobs" -workers="$jobs")
  fi
  (cd "$work/$name" && "$fuzzer" "$work/$name/corpus" "${budget[@]}" -max_len="$max_len" \
    -artifact_prefix="$work/$name/artifacts/" -print_final_stats=1 "${flags[@]}" \
    >"$work/$name/fuzz.log" 2>&1) || status=$?
  local crashes
  crashes=$(find "$work/$name/artifacts" -type f)
  echo "=== $name: libFuzzer's final stats"
  if [[ $status -ne 0 || -n $crashes ]]; then
    tail -n 60 "$work/$name/fuzz.log"  # the sanitizer's or the check's report
  else
    grep -E '^(Done [0-9]+ runs|stat::)' "$work/$name/fuzz.log" || tail -n 25 "$work/$name/fuzz.log"
  fi
  local runs
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name/fuzz.log" | awk '{n += $1} END {print n + 0}')
  if [[ $status -ne 0 || -n $crashes ]]; then
    echo "$name: FUZZER FOUND A PROBLEM (exit $status) after ${runs:-?} executions; log: $work/$name/fuzz.log" >&2
    for f in $crashes; do echo "crash file: $f" >&2; done
    return 1
  fi
  if [[ $total_runs -gt 0 && $runs -lt $total_runs ]]; then
    echo "$name: only $runs of $total_runs executions ran; log: $work/$name/fuzz.log" >&2
    return 1
  fi
  echo "$name: $runs executions, no crash (corpus kept in $work/$name/corpus)"
}

failed=0
fuzz midi_fuzz 0 "$root/tests/data/*.mid" "$root/tests/data/fuzz_regressions/*" || failed=1
fuzz osc_packet_fuzz "$osc_packet_runs" "$root/tests/data/osc_seeds/*.osc" "$root/tests/data/osc_fuzz_regressions/*.osc" \
  -- -dict="$root/tests/fuzz/osc.dict" -max_len=66000 || failed=1
fuzz osc_fuzz "$osc_runs" "$root/tests/data/osc_seeds/*.osc" "$root/tests/data/osc_fuzz_regressions/*.osc" \
  -- -dict="$root/tests/fuzz/osc.dict" -max_len="$osc_max_len" || failed=1
fuzz config_fuzz "$config_runs" "$root/config/clarad.toml" "$root/tests/data/config_seeds/*.toml" \
  "$root/tests/data/config_fuzz_regressions/*.toml" -- -dict="$root/tests/fuzz/config.dict" -max_len="$config_max_len" || failed=1
exit $failed
