#!/bin/bash
# clarad's reaction, output timing, late events and start-up, measured from outside on a JACK
# dummy server this script starts (and stops) itself, with RtMidi's JACK API as the baseline.
#
# usage: bench/clarad_latency.sh [--quick] [--realtime] [--minutes M] [--build DIR] [--out DIR]
#   --minutes M   length of the 200 bpm solo run (default 10)
#   --quick       about a minute in all: 3 phrases, 15 s solo, 15 s baseline, 3 start-ups
#   --realtime    jackd -R: the server and the clients' process threads at SCHED_FIFO (needs root
#                 or an rtprio limit), as on a tuned audio machine
#   --build DIR   build folder holding bin/clarad, bin/clara-jackprobe, bin/rtmidi_jack_baseline
#                 (default: build)
#   --out DIR     where the recordings and stats go (default: a new folder under /tmp)
# See docs/benchmarks.md for what each figure means.
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=10 phrases=10 baseline_seconds=120 startups=5 build=build out="" realtime=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) minutes=0.25 phrases=3 baseline_seconds=15 startups=3 ;;
    --realtime) realtime=(-R) ;;
    --minutes) minutes="$2"; shift ;;
    --build) build="$2"; shift ;;
    --out) out="$2"; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "clarad_latency.sh: unknown argument $1" >&2; exit 64 ;;
  esac
  shift
done
for b in clarad clara-jackprobe rtmidi_jack_baseline; do
  [ -x "$build/bin/$b" ] || { echo "clarad_latency.sh: $build/bin/$b not built" >&2; exit 69; }
done
command -v jackd >/dev/null || { echo "clarad_latency.sh: jackd not installed" >&2; exit 69; }
[ -n "$out" ] || out=$(mktemp -d /tmp/clarad-latency.XXXXXX)
mkdir -p "$out"
bin=$build/bin
# clarad refuses root without --allow-root; a bench run as root says so.
root=(); [ "$(id -u)" -ne 0 ] || root=(--allow-root)

export JACK_NO_AUDIO_RESERVATION=1 JACK_NO_START_SERVER=1 JACK_DEFAULT_SERVER=clara-bench$$
started=()  # PIDs this script started, stopped in reverse order on exit
cleanup() {
  local i
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do
    kill -TERM "${started[i]}" 2>/dev/null || true
    wait "${started[i]}" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for_port() {  # PORT SECONDS [PID]: fails early if PID exits first
  local deadline=$((SECONDS + $2))
  until jack_lsp 2>/dev/null | grep -qx "$1"; do
    [ $SECONDS -lt $deadline ] || { echo "clarad_latency.sh: port $1 did not appear" >&2; return 1; }
    [ -z "${3:-}" ] || kill -0 "$3" 2>/dev/null || return 1
    sleep 0.02
  done
}

stop_pid() {  # PID: SIGTERM it and wait; drop it from the cleanup list
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" || true
  local keep=() p
  for p in "${started[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  started=("${keep[@]}")
}

uptime >"$out/load.txt"
[ ${#realtime[@]} -eq 0 ] || : >"$out/realtime"
jackd -n "$JACK_DEFAULT_SERVER" "${realtime[@]}" -S -d dummy -r 48000 -p 128 >"$out/jackd.log" 2>&1 &
started+=($!)
for _ in $(seq 100); do jack_lsp >/dev/null 2>&1 && break; sleep 0.05; done
jack_lsp >/dev/null 2>&1 || { echo "clarad_latency.sh: jackd did not start (see $out/jackd.log)" >&2; exit 69; }
echo "clarad_latency.sh: JACK server $JACK_DEFAULT_SERVER (dummy, 48 kHz, 128 frames); files in $out" >&2

# 4. Start-up to ready: from exec until the ready line is out and clara:midi_in exists; and, to
# tell the dynamic loader's share (LibTorch's libraries) from clarad's own, exec to exit of --help.
: >"$out/startup.tsv"
: >"$out/help.tsv"
for i in $(seq "$startups"); do
  t0=$(date +%s%N)
  "$bin/clarad" --help >/dev/null
  t1=$(date +%s%N)
  echo "$(((t1 - t0) / 1000))" >>"$out/help.tsv"
done
for i in $(seq "$startups"); do
  t0=$(date +%s%N)
  "$bin/clarad" "${root[@]}" --no-osc --no-record --stats-file "$out/startup-$i.json" 2>"$out/startup-$i.log" &
  pid=$!; started+=($pid)
  # The cheap test first: jack_lsp is a JACK client of its own, too heavy to run every few ms.
  until grep -q "clarad: ready in" "$out/startup-$i.log" && jack_lsp 2>/dev/null | grep -qx clara:midi_in; do
    kill -0 $pid 2>/dev/null || { echo "clarad_latency.sh: clarad exited (see $out/startup-$i.log)" >&2; exit 70; }
    sleep 0.005
  done
  t1=$(date +%s%N)
  echo "$(((t1 - t0) / 1000))" >>"$out/startup.tsv"
  stop_pid $pid
done

# 1 and 2. Reaction and onset error: answer mode at 120 bpm, phrases played into clara:midi_in.
/usr/bin/python3 bench/make_phrases.py "$phrases" "$out/phrases.mid"
"$bin/clarad" "${root[@]}" --no-osc --no-record --mode answer --tempo 120 --stats-file "$out/answer.json" 2>"$out/answer.log" &
pid=$!; started+=($pid)
wait_for_port clara:midi_in 60 $pid || { echo "clarad_latency.sh: see $out/answer.log" >&2; exit 70; }
"$bin/clara-jackprobe" --play "$out/phrases.mid" --play-to clara:midi_in --record-from clara:midi_out \
  --start-after 1 --out "$out/answer-rec.tsv" --played-out "$out/answer-played.tsv" 2>"$out/answer-probe.log"
stop_pid $pid  # after the probe has stopped recording: the stop's own note-offs are not part of the timing

# 3. Late events: solo mode at 200 bpm for M minutes. clarad refuses a model whose p99 step x 4
# does not fit the 25 ms grid step; on a loaded machine the start-up measure can say so. Then the
# run is repeated with the budget at 1 token per step (p99 step <= 25 ms), and the figures say so.
seconds=$(/usr/bin/python3 -c "print(round(float('$minutes') * 60, 3))")
: >"$out/solo-budget.txt"
"$bin/clarad" "${root[@]}" --no-osc --no-record --mode solo --tempo 200 --stats-file "$out/solo.json" 2>"$out/solo.log" &
pid=$!; started+=($pid)
if ! wait_for_port clara:midi_out 60 $pid; then
  stop_pid $pid
  grep -q "too slow for live play" "$out/solo.log" || { echo "clarad_latency.sh: see $out/solo.log" >&2; exit 70; }
  grep "too slow" "$out/solo.log" >"$out/solo-budget.txt"
  printf '[model]\ntokens_per_step_budget = 1.0\n' >"$out/budget-1.toml"
  "$bin/clarad" "${root[@]}" --no-osc --config "$out/budget-1.toml" --no-record --mode solo --tempo 200 --stats-file "$out/solo.json" \
    2>"$out/solo.log" &
  pid=$!; started+=($pid)
  wait_for_port clara:midi_out 60 $pid || { echo "clarad_latency.sh: see $out/solo.log" >&2; exit 70; }
fi
echo "clarad_latency.sh: solo at 200 bpm for $seconds s" >&2
"$bin/clara-jackprobe" --record-from clara:midi_out --seconds "$seconds" --out "$out/solo-rec.tsv" \
  2>"$out/solo-probe.log"
stop_pid $pid

# Baseline: RtMidi's JACK API, a note every grid step at 200 bpm from a thread on absolute deadlines.
"$bin/rtmidi_jack_baseline" --bpm 200 --seconds "$baseline_seconds" --start-after 1.5 \
  --deadlines "$out/baseline-deadlines.txt" 2>"$out/baseline.log" &
pid=$!; started+=($pid)
wait_for_port rtmidi-baseline:out 10
"$bin/clara-jackprobe" --record-from rtmidi-baseline:out --seconds "$(echo "$baseline_seconds + 2.5" | bc)" \
  --out "$out/baseline-rec.tsv" 2>"$out/baseline-probe.log"
stop_pid $pid  # it has finished by now

uptime >>"$out/load.txt"
/usr/bin/python3 bench/latency_figures.py "$out"
