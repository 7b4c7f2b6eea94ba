#!/usr/bin/env bash
# Encoding the corpus to notewise (12/quarter) with clara_core vs parsing the
# same files with Debian's python3-mido, in the same run. Prints both lines and
# the ratio. Usage: bench/encode_bench.sh [CORPUS] [BUILD_DIR] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-../shared/corpus}
build=${2:-build}
threads=${3:-2}
cmake --build "$build" --target encode_bench >/dev/null
mido=$(/usr/bin/python3 bench/mido_parse.py "$corpus")
clara=$("$build"/bin/encode_bench "$corpus" "$threads" 5)
echo "$mido"
echo "$clara"
m=$(sed -E 's/.*files_per_s=([0-9.]+).*/\1/' <<<"$mido")
c=$(sed -E 's/.*files_per_s=([0-9.]+).*/\1/' <<<"$clara")
awk -v c="$c" -v m="$m" 'BEGIN { printf "ratio clara/mido files_per_s = %.1fx\n", c / m }'
