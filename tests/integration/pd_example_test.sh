# docs/examples/clara-control.pd, the Pure Data patch docs/osc.md shows, driven by a real Pd
# (puredata-core, no GUI) against clarad on a JACK dummy server: the patch's temperature box,
# mode messages and panic reach clarad as the OSC the docs say, and clarad applies them.
source "$(dirname "$0")/lib.sh" "$@"

command -v pd >/dev/null 2>&1 || unavailable "pd (Debian puredata-core) is not installed"
PATCH=$SRC/docs/examples/clara-control.pd
[ -f "$PATCH" ] || fail "$PATCH is missing"
ctl() { "$CLARA" ctl --port "$OSC_PORT" --timeout 2 "$@"; }

start_jackd
start_clarad clarad --model "$SRC/models/notewise-piano" --mode solo --tempo 120 --seed 3 --no-record
[ "$(ctl get mode)" = "solo" ] || fail "clarad did not start in solo mode"
# Records Clara's output from after the start-up panic: a CC123 in it comes from the patch's panic
# (a panic resets only the channels Clara has played on, so she plays solo for a while first).
start_probe probe --record-from clara:midi_out --seconds 30 --out "$WORK/rec.tsv"
sleep 2

# What a user does with the patch: its receivers stand for the number box and the message boxes.
# The patch connects to localhost 9000 on load; clara-connect points it at this test's port.
timeout 20 pd -nogui -noaudio -nomidi -stderr -open "$PATCH" \
  -send "clara-connect localhost $OSC_PORT; clara-temperature 0.7; clara-mode accompany; clara-panic bang" \
  >"$WORK/pd.out" 2>&1 &
PD_PID=$!
STARTED+=("$PD_PID")
for ((i = 0; i < 100; i++)); do
  [ "$(ctl get temperature)" = "0.7" ] && [ "$(ctl get mode)" = "accompany" ] && break
  sleep 0.1
done
[ "$(ctl get temperature)" = "0.7" ] || fail "the patch's temperature did not reach clarad: $(ctl get temperature); pd: $(cat "$WORK/pd.out")"
[ "$(ctl get mode)" = "accompany" ] || fail "the patch's mode did not reach clarad: $(ctl get mode); pd: $(cat "$WORK/pd.out")"
grep -q "clara-netsend: 1" "$WORK/pd.out" || fail "the patch's netsend never connected: $(cat "$WORK/pd.out")"
if grep -qi "error" "$WORK/pd.out"; then fail "Pd reported an error loading or running the patch: $(cat "$WORK/pd.out")"; fi
kill "$PD_PID" 2>/dev/null || true
wait "$PD_PID" 2>/dev/null || true
forget_pid "$PD_PID"
sleep 0.5
stop_probe
# The patch's panic reached clarad as /clara/panic: an all-notes-off (CC123) on its output.
PANICS=$(awk 'NR > 1 && int($3 / 16) == 11 && $4 == 123' "$WORK/rec.tsv" | wc -l)
[ "$PANICS" -ge 1 ] || fail "no CC123 on clara:midi_out after the patch's panic"
stop_clarad
[ "$CLARAD_RC" -eq 0 ] || fail "clarad exited $CLARAD_RC: $(tail -5 "$WORK/clarad.err")"
echo "PASS: the Pure Data example patch steers clarad (temperature 0.7, mode accompany, panic)"
