# MIDI Clock in, end to end: clara-jackprobe is a clock master (a beat of clock, Start, ticks with
# ±1 ms uniform jitter from a fixed seed, Stop, a beat of clock) on clara:midi_in; clarad runs with
# --sync midi-clock in solo mode (she plays all the time) and her notes are recorded frame by frame.
# At 90, 120 and 177 bpm: from the third bar on (two bars of lock-in) 95 % of her note-ons lie
# within 2 ms of the master's grid; on a 100 -> 140 bpm ramp over 8 bars, 95 % within 3 ms; no
# onset anywhere is more than CLARA_CLOCK_MAX_MS (default 10: a third of a grid step at 177 bpm) off;
# no note-on after the master's Stop, and every note ends. Figures printed for docs/sync.md.
# Why p95 and not p99: the dummy JACK server is real-time but a loaded 2-core VM still misses its
# cycles (CI's jackd.log: xruns up to 21 ms), and an xrun moves the server's frame clock under one or
# two onsets; CI measured one onset of 78 at 3.3 ms (90 bpm) and one of 121 at 4.9 ms (ramp) with p50
# 0.25-0.6 ms. The issue's goal is 1 ms p99, not met (docs/sync.md): CLARA_CLOCK_P99_MS=1 checks it
# (p99 within 1 ms at the steady tempos, max 3 ms).
source "$(dirname "$0")/lib.sh" "$@"

MODEL=$SRC/models/notewise-piano
[ -f "$MODEL/weights.pt" ] || fail "$MODEL/weights.pt missing"
TICKS_PER_STEP=2  # notewise-piano's grid: 12 steps a quarter note, 24 ticks
FROM_TICK=192     # two bars of 4/4
if [ -n "${CLARA_CLOCK_P99_MS:-}" ]; then
  STEADY=("$CLARA_CLOCK_P99_MS" 3 99)
else
  STEADY=(2 "${CLARA_CLOCK_MAX_MS:-10}" 95)
fi
RAMP=(3 "${CLARA_CLOCK_MAX_MS:-10}" 95)

start_jackd
start_clarad clarad --model "$MODEL" --mode solo --sync midi-clock --seed 0 --no-record \
  --stats-file "$WORK/stats.json"
note "$(grep '^clarad: ready' "$WORK/clarad.err")"

# master TAG PCT_MS MAX_MS PCT PROBE-CLOCK-ARGS...: Clara is heard by a probe of its own: one that also
# played into clarad would run before it in JACK's graph and hear her a period (2.67 ms) late.
master() {
  local tag=$1 pct_ms=$2 max=$3 pct=$4 ear
  shift 4
  start_probe "$tag-ear" --name "ear-$tag" --record-from clara:midi_out --seconds 600 --out "$WORK/$tag.rec.tsv"
  ear=$PROBE_PID
  wait_port "ear-$tag:in"
  start_probe "$tag" --name "clock-$tag" --play-to clara:midi_in --out "$WORK/$tag.master.tsv" \
    --played-out "$WORK/$tag.played.tsv" --grid-out "$WORK/$tag.grid.tsv" \
    --clock-jitter-ms 1 --clock-seed 7 --start-after 0.3 "$@"
  wait_probe
  PROBE_PID=$ear
  stop_probe
  tsv clock "$WORK/$tag.rec.tsv" "$WORK/$tag.grid.tsv" "$RATE" "$TICKS_PER_STEP" "$FROM_TICK" "$pct_ms" "$max" "$pct" \
    || FAILED+=("$tag")
}
FAILED=()  # every run measured and printed before the verdict

master bpm90 "${STEADY[@]}" --clock 90 --clock-bars 6
master bpm120 "${STEADY[@]}" --clock 120 --clock-bars 6
master bpm177 "${STEADY[@]}" --clock 177 --clock-bars 6
master ramp "${RAMP[@]}" --clock 100 --clock-ramp-to 140 --clock-ramp-from 2 --clock-ramp-bars 8 --clock-bars 12

[ ${#FAILED[@]} -eq 0 ] || fail "Clara off the master's grid or playing after Stop: ${FAILED[*]} (figures above)"
grep -q 'midi clock: start' "$WORK/clarad.err" || fail "clarad did not log the master's Start"
stop_clarad
[ "$CLARAD_RC" -eq 0 ] || fail "clarad exited $CLARAD_RC after SIGTERM"
echo "PASS"
