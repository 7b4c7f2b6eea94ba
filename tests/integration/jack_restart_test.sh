# JACK server restarts: jackd is stopped and started again, round after round, under a clarad that
# connects by pattern to a client that plays to it and records it. Each round: clarad stays up while
# the server is gone; within 3 s of the new server answering, clara:midi_in and clara:midi_out exist
# again (same names); a new player appears, clarad connects it, and Clara answers its phrase (notes
# recorded). At the end: one session folder (the session went on in the same files), and SIGTERM
# exits 0. The server's return is the moment a client of the test's own (tests/integration/
# jack_watch.py, trying every 10 ms) gets in; clarad's, the registration of clara:midi_out as that
# client sees it.
#   CLARA_RESTART_ROUNDS  restarts (default 10, the service issue's count)
source "$(dirname "$0")/lib.sh" "$@"

MODEL=$SRC/models/notewise-piano
[ -f "$MODEL/weights.pt" ] || fail "$MODEL/weights.pt missing"
ROUNDS=${CLARA_RESTART_ROUNDS:-10}
LIMIT_MS=3000
export XDG_RUNTIME_DIR=$WORK/run


start_jackd
start_clarad clarad --model "$MODEL" --mode answer --tempo 120 --silence-beats 1 --seed 0 \
  --connect-in '^duo[0-9]*:out$' --connect-out '^duo[0-9]*:in$' --sessions "$WORK/sessions"
times=()
for ((r = 1; r <= ROUNDS; r++)); do
  kill -TERM "$JACKD_PID"
  wait "$JACKD_PID" 2>/dev/null || true
  forget_pid "$JACKD_PID"
  sleep 1
  kill -0 "$CLARAD_PID" 2>/dev/null || fail "round $r: clarad exited when the server went away: $(tail -n 5 "$WORK/clarad.err")"
  "$PY" "$TESTS_DIR/jack_watch.py" "$WORK/events$r.tsv" "watch$r" 60 2>"$WORK/watch$r.err" &
  WATCH_PID=$!
  STARTED+=("$WATCH_PID")
  start_jackd
  ok=0
  for _ in $(seq 200); do
    grep -qs $'\t\(reg\|port\)\tclara:midi_out$' "$WORK/events$r.tsv" && { ok=1; break; }
    sleep 0.05
  done
  kill -TERM "$WATCH_PID" 2>/dev/null || true
  wait "$WATCH_PID" 2>/dev/null || true
  forget_pid "$WATCH_PID"
  ((ok)) || fail "round $r: clara:midi_out not back 10 s after the server returned: $(tail -n 5 "$WORK/clarad.err")"
  ms=$("$PY" - "$WORK/events$r.tsv" <<'PYEOF'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
ready = next(int(r[0]) for r in rows if r[1] == "ready")
back = next(int(r[0]) for r in rows if r[1] in ("reg", "port") and r[2] == "clara:midi_out")
print(max(0, (back - ready) // 1000000))
PYEOF
)
  times+=("$ms")
  note "round $r: clara:midi_out back $ms ms after the server answered"
  ((ms <= LIMIT_MS)) || fail "round $r: clarad took $ms ms after the server's return (limit $LIMIT_MS ms)"
  # A player of its own per round: it appears, clarad connects it both ways by pattern, Clara answers.
  start_probe "duo$r" --name "duo$r" --play "$DATA/duet_phrases.mid" --start-after 0.5 --seconds 13 \
    --out "$WORK/rec$r.tsv" --played-out "$WORK/played$r.tsv"
  wait_probe
  tsv notes "$WORK/rec$r.tsv" 1 || fail "round $r: Clara did not answer after the restart"
  jack_lsp -c -s "$JACK_DEFAULT_SERVER" >"$WORK/connections$r.txt" 2>&1 || true
done
back=$(grep -c "JACK server .* is back" "$WORK/clarad.err" || true)
[ "$back" -eq "$ROUNDS" ] || fail "clarad reported $back returns of the server for $ROUNDS restarts"
note "clara's ports back after the server returned, per round (ms): ${times[*]}"
grep "is back" "$WORK/clarad.err" | sed 's/^/-- /'
stop_clarad
[ "$CLARAD_RC" -eq 0 ] || fail "clarad exited $CLARAD_RC after SIGTERM"
sessions=("$WORK"/sessions/*/)
[ ${#sessions[@]} -eq 1 ] || fail "expected one session folder (the session goes on in the same files), found ${#sessions[@]}"
[ -s "${sessions[0]}session.mid" ] || fail "${sessions[0]}session.mid missing or empty"
echo "PASS"
