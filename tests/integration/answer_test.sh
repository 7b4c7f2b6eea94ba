# Answer mode end to end: the two-phrase fixture played frame-accurately into clara:midi_in, Clara's
# output recorded from clara:midi_out, then SIGTERM while Clara's second answer is sounding.
# Checks: silence during phrase 1, the reaction budget, the interruption by phrase 2 (Clara's notes off
# within 2 grid steps), answer 2, the exit time, the note ledger, the panic, and that `clara replay`
# regenerates the session's tokens exactly.
source "$(dirname "$0")/lib.sh" "$@"

MODEL=$SRC/models/notewise-piano
[ -f "$MODEL/weights.pt" ] || fail "$MODEL/weights.pt missing"
BPM=120
SILENCE=1

start_jackd
start_clarad clarad --model "$MODEL" --mode answer --tempo "$BPM" --silence-beats "$SILENCE" --seed 0 \
  --sessions "$WORK/sessions" --stats-file "$WORK/stats.json"
note "$(grep '^clarad: ready' "$WORK/clarad.err")"
# Root has CAP_IPC_LOCK: clarad's memory is locked (mlockall), so no page fault reaches the
# real-time path; another user sees the warning saying how to allow it.
if [ "$(id -u)" -eq 0 ]; then
  grep -q '^clarad: memory locked' "$WORK/clarad.err" || fail "clarad did not lock its memory as root: $(grep memory "$WORK/clarad.err")"
fi

# The fixture starts 0.5 s after the probe does: phrase 1 0-4 s, phrase 2 7-9 s, so Clara's second
# answer runs from about 10 s; SIGTERM at 12 s falls in it, with notes sounding.
start_probe probe --play "$DATA/duet_phrases.mid" --play-to clara:midi_in --record-from clara:midi_out \
  --seconds 60 --out "$WORK/rec.tsv" --played-out "$WORK/played.tsv"
sleep 12
stop_clarad
note "clarad exit $CLARAD_RC, $CLARAD_STOP_MS ms after SIGTERM; $(grep '^clarad: stopped' "$WORK/clarad.err" || true)"
sleep 0.2
stop_probe
[ "$CLARAD_RC" -eq 0 ] || fail "clarad exited $CLARAD_RC after SIGTERM"
STOP_LIMIT_MS=500  # as sigterm_test
[ "$CLARAD_STOP_MS" -le "$STOP_LIMIT_MS" ] || fail "clarad took $CLARAD_STOP_MS ms to exit after SIGTERM (limit $STOP_LIMIT_MS ms)"

tsv answer "$WORK/rec.tsv" "$WORK/played.tsv" "$BPM" "$RATE" "$PERIOD" "$SILENCE"
tsv ledger "$WORK/rec.tsv"
tsv panic "$WORK/rec.tsv"
note "clarad's own figures: reactions_ms $(stat_of "$WORK/stats.json" reactions_ms), late $(stat_of "$WORK/stats.json" late), onset_error_p99_us $(stat_of "$WORK/stats.json" onset_error_p99_us)"

sessions=("$WORK"/sessions/*/)
[ ${#sessions[@]} -eq 1 ] && [ -f "${sessions[0]}replay.log" ] || fail "expected one session folder with replay.log in $WORK/sessions"
session=${sessions[0]%/}
for f in session.mid replay.log tokens.txt; do [ -s "$session/$f" ] || fail "$session/$f missing or empty"; done

[ -x "$CLARA" ] || fail "$CLARA is not an executable: the replay check cannot run"
replay_help=$("$CLARA" replay --help 2>&1) || true
grep -q 'usage: clara replay' <<<"$replay_help" || fail "'clara replay --help' does not show its usage: $replay_help"
"$CLARA" replay "$session/replay.log" --model "$MODEL" --tokens "$WORK/replayed.txt" || fail "clara replay failed"
if ! cmp -s "$WORK/replayed.txt" "$session/tokens.txt"; then
  fail "clara replay's tokens differ from the session's tokens.txt: $(cmp "$WORK/replayed.txt" "$session/tokens.txt" || true)"
fi
# --precision auto (the default) chose one arithmetic; the log records it and replay ran it.
chosen=$(sed -n 's/^clarad: precision \([a-z0-9]*\) (asked: auto).*/\1/p' "$WORK/clarad.err")
[ -n "$chosen" ] || fail "clarad did not log its precision choice: $(grep precision "$WORK/clarad.err")"
grep -qx "precision = '$chosen'" "$session/replay.log" || fail "replay.log does not record precision $chosen"
note "clara replay reproduced tokens.txt exactly ($(wc -w <"$session/tokens.txt") tokens)"
echo "PASS"
