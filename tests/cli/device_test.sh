#!/usr/bin/env bash
# --device cpu|cuda|auto for `clara generate` and clarad, as a user meets them: names checked,
# auto measures and says which device and why, and cuda where this LibTorch has none (the
# CPU-only development build) is refused naming the reason, with each program's code for a
# bad setting (clara 64, clarad 78) and before clarad opens any MIDI port.
set -uo pipefail
clara=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
clarad=$(dirname "$clara")/clarad
repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$(dirname "$0")/lib.sh"
model="$repo/models/notewise-piano"
gen() { "$clara" generate --model "$model" --length 60 --seed 3 "$@"; }

gen --device auto --out "$tmp/auto.mid" --tokens "$tmp/auto.txt" > "$tmp/auto.log" 2> "$tmp/auto.err"
check "generate --device auto exits 0" test $? -eq 0
check "generate --device auto says which device and why, with the cpu step's p50" \
  grep -Eq '^  device (cpu|cuda): .*p50 [0-9.]+ us' "$tmp/auto.log"
gen --out "$tmp/default.mid" --tokens "$tmp/default.txt" > "$tmp/default.log"
check "auto is the default" grep -Eq '^  device (cpu|cuda): .*p50' "$tmp/default.log"
gen --device cpu --out "$tmp/cpu.mid" --tokens "$tmp/cpu.txt" > "$tmp/cpu.log"
check "generate --device cpu runs as asked" grep -qx '  device cpu as requested' "$tmp/cpu.log"

if grep -q 'cuda not available' "$tmp/auto.log"; then
  why=$(sed -n 's/.*cuda not available: //p' "$tmp/auto.log")
  check "auto without CUDA chooses cpu" grep -q '^  device cpu: ' "$tmp/auto.log"
  check "--device cpu wrote tokens" test -s "$tmp/cpu.txt"
  check "auto on cpu writes what --device cpu writes" cmp -s "$tmp/auto.txt" "$tmp/cpu.txt"
  check "generate --device cuda without CUDA is a usage error (64)" \
    test "$(rc_of gen --device cuda --out "$tmp/cuda.mid")" -eq 64
  gen --device cuda --out "$tmp/cuda.mid" > /dev/null 2> "$tmp/cuda.err"
  check "... saying why and what to use instead" grep -qF \
    "clara generate: --device cuda: no CUDA device ($why); use --device cpu or auto" "$tmp/cuda.err"
  check "... and writing nothing" test ! -e "$tmp/cuda.mid"
else
  echo "skip CUDA refusal: this LibTorch has CUDA ($(grep '^  device' "$tmp/auto.log"))"
  gen --device cuda --out "$tmp/cuda.mid" > "$tmp/cuda.log"
  check "generate --device cuda runs there" grep -qx '  device cuda as requested' "$tmp/cuda.log"
fi
check "generate --device gpu is a usage error (64)" test "$(rc_of gen --device gpu --out "$tmp/x.mid")" -eq 64
check "--candidates with --device cuda is a usage error (64)" \
  test "$(rc_of gen --device cuda --candidates 2 --out "$tmp/x.mid")" -eq 64

if [ ! -x "$clarad" ]; then
  echo "skip clarad: not built beside clara"
  exit $fail
fi
check "clarad --device gpu is a flag error (64)" test "$(rc_of "$clarad" --device gpu --allow-root)" -eq 64
"$clarad" --device cuda --print-config > "$tmp/print.toml" 2> /dev/null
check "clarad --print-config shows model.device from the flag" grep -Eq '^device = "cuda" +# --device$' "$tmp/print.toml"
printf '[model]\ndevice = "gpu"\n' > "$tmp/bad.toml"
check "clarad: model.device = \"gpu\" in the file is a config error (78)" \
  test "$(rc_of "$clarad" --config "$tmp/bad.toml" --print-config)" -eq 78
if grep -q 'cuda not available' "$tmp/auto.log"; then
  # The model loads before any MIDI port opens: no MIDI server is needed for this refusal.
  "$clarad" --device cuda --model "$model" --allow-root --no-record --no-osc > /dev/null 2> "$tmp/clarad_cuda.err"
  rc=$?
  check "clarad --device cuda without CUDA exits 78 (a setting this machine cannot meet)" test "$rc" -eq 78
  check "... saying why and what to use instead" grep -qF \
    "clarad: --device cuda: no CUDA device ($why); use --device cpu or auto" "$tmp/clarad_cuda.err"
fi
exit $fail
