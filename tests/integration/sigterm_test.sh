# Every stop signal (TERM, INT, QUIT) while Clara has a note sounding, with someone playing into
# her. Each round: clarad in accompany mode; a client connected BOTH ways (clara-jackprobe: plays the
# two-phrase fixture into clara:midi_in, records clara:midi_out) and a client that only listens
# (jack_midi_dump, whose live output tells this script when a note of Clara's is sounding). Once one
# is, clarad gets the signal. It must exit 0 within 500 ms, and at EACH client every note-on of
# Clara's must have its note-off and CC64 0, CC123, CC120 must follow her last note.
# A round counts only if the listener shows a note ended by the stop (the note still sounded when the
# signal arrived); a round that never gets a sounding note within 10 s fails the test, and so does
# ending with fewer counted rounds than asked.
#   CLARA_SIGTERM_ROUNDS  rounds per signal (default 3; the acceptance run uses 10)
#   CLARA_SIGTERM_SEED    seed of the delays and of clarad's sampling
source "$(dirname "$0")/lib.sh" "$@"

MODEL=$SRC/models/notewise-piano
PER_SIGNAL=${CLARA_SIGTERM_ROUNDS:-3}
SEED=${CLARA_SIGTERM_SEED:-20261125}
SIGNALS=(TERM INT QUIT)  # HUP reloads instead: reload_test.sh
STOP_LIMIT_MS=500
SOUNDING_TIMEOUT_S=10
[[ "$PER_SIGNAL" =~ ^[0-9]+$ ]] && ((PER_SIGNAL >= 1)) ||
  fail "CLARA_SIGTERM_ROUNDS=$PER_SIGNAL: at least 1 round per signal, or the test tests nothing"
command -v jack_midi_dump >/dev/null 2>&1 || unavailable "jack_midi_dump (the listen-only client) is not installed"
command -v stdbuf >/dev/null 2>&1 || unavailable "stdbuf is not installed"
RANDOM=$SEED  # seeded: a failing round can be rerun with the same delays
note "$PER_SIGNAL counted round(s) per signal (${SIGNALS[*]}), seed $SEED"

# stop_duo: the both-ways probe is cut short on purpose (the fixture is longer than a round), which it
# reports as exit 70 with "played N of M"; anything else, or lost events, is a failure.
stop_duo() {
  kill -TERM "$PROBE_PID" 2>/dev/null || true
  local rc=0
  wait "$PROBE_PID" || rc=$?
  forget_pid "$PROBE_PID"
  if [ "$rc" -ne 0 ] && { [ "$rc" -ne 70 ] || ! grep -q 'played [0-9]* of' "$1" || grep -q 'lost' "$1"; }; then
    fail "clara-jackprobe exited $rc: $(tail -n 3 "$1")"
  fi
}

start_jackd  # one server for every round
worst_ms=0
total_counted=0
duo_failed=0
exit_failed=0
duo_input_last=0  # counted rounds whose both-ways client was connected input edge last, and their failures
duo_failed_input_last=0
ear_failed=0
failures=()
n=0
for sig in "${SIGNALS[@]}"; do
  counted=0
  attempts=0
  while ((counted < PER_SIGNAL)); do
    ((attempts < 2 * PER_SIGNAL + 2)) ||
      fail "SIG$sig: only $counted of $PER_SIGNAL rounds caught a note sounding in $attempts tries"
    attempts=$((attempts + 1))
    n=$((n + 1))
    delay_ms=$((300 + RANDOM % 1201))
    # The listener first, and clarad connects to it while starting: it hears everything from clarad's
    # first cycle on.
    stdbuf -oL jack_midi_dump -a "ear$n" >"$WORK/ear$n.txt" 2>"$WORK/ear$n.err" &
    EAR_PID=$!
    STARTED+=("$EAR_PID")
    wait_port "ear$n:input"
    start_clarad "clarad$n" --model "$MODEL" --mode accompany --seed "$n" --connect-out "^ear$n:input\$" \
      --sessions "$WORK/sessions"
    start_probe "duo$n" --name "duo$n" --play "$DATA/duet_phrases.mid" --start-after 0.3 --seconds 60 \
      --out "$WORK/duo$n.tsv"
    wait_port "duo$n:in"
    # JACK delivers the edge that closed a cycle one period late. Odd rounds close it with the input
    # edge (the order clara-jackprobe's own --record-from/--play-to use), even rounds with the output
    # edge (what clarad's --connect-in/--connect-out to one keyboard-and-synth client does): then the
    # panic clarad writes in its last cycle reaches this client only if clarad waits a period more.
    if ((n % 2)); then
      order=input-last
      jack_connect clara:midi_out "duo$n:in" && jack_connect "duo$n:out" clara:midi_in
    else
      order=output-last
      jack_connect "duo$n:out" clara:midi_in && jack_connect clara:midi_out "duo$n:in"
    fi || fail "round $n: could not connect duo$n both ways to clara"
    sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
    tsv wait-sounding "$WORK/ear$n.txt" "$SOUNDING_TIMEOUT_S" >"$WORK/sounding$n.txt" ||
      fail "round $n (SIG$sig): no note of Clara's sounding within $SOUNDING_TIMEOUT_S s of +$delay_ms ms"
    stop_clarad "$sig"
    sleep 0.2
    stop_duo "$WORK/duo$n.err"
    kill -TERM "$EAR_PID" 2>/dev/null || true
    wait "$EAR_PID" 2>/dev/null || true
    forget_pid "$EAR_PID"
    # Exit code and time are judged at the end too, so that one run gives every round's figures.
    exit_ok=1
    if [ "$CLARAD_RC" -ne 0 ]; then
      exit_ok=0
      failures+=("round $n SIG$sig: clarad exited $CLARAD_RC")
    elif [ "$CLARAD_STOP_MS" -gt "$STOP_LIMIT_MS" ]; then
      exit_ok=0
      failures+=("round $n SIG$sig: clarad took $CLARAD_STOP_MS ms to exit (limit $STOP_LIMIT_MS ms; $(grep '^clarad: stopped' "$WORK/clarad$n.err" || true))")
    fi
    ((CLARAD_STOP_MS > worst_ms)) && worst_ms=$CLARAD_STOP_MS

    ear_ok=1
    tsv stopped "$WORK/ear$n.txt" "$PERIOD" >"$WORK/ear-check$n.txt" 2>&1 || ear_ok=0
    ended=$(awk '/^ended_by_stop/ {print $2}' "$WORK/ear-check$n.txt")
    if ((ear_ok)) && ((${ended:-0} == 0)); then
      # The note seen sounding ended on its own between the look and the signal: not a test of the stop.
      echo "round $n: SIG$sig, $(cat "$WORK/sounding$n.txt"), but no note was ended by the stop: not counted"
      continue
    fi
    duo_ok=1
    tsv stopped "$WORK/duo$n.tsv" "$PERIOD" >"$WORK/duo-check$n.txt" 2>&1 || duo_ok=0
    counted=$((counted + 1))
    total_counted=$((total_counted + 1))
    ((exit_ok)) || exit_failed=$((exit_failed + 1))
    ((ear_ok)) || { ear_failed=$((ear_failed + 1)); failures+=("round $n SIG$sig listener: $(grep FAIL "$WORK/ear-check$n.txt")"); }
    if ! ((duo_ok)); then
      duo_failed=$((duo_failed + 1))
      [ "$order" = input-last ] && duo_failed_input_last=$((duo_failed_input_last + 1))
      failures+=("round $n SIG$sig both-ways ($order): $(grep FAIL "$WORK/duo-check$n.txt")")
    fi
    [ "$order" = input-last ] && duo_input_last=$((duo_input_last + 1))
    echo "round $n: SIG$sig at +$delay_ms ms ($(cat "$WORK/sounding$n.txt")), exit in $CLARAD_STOP_MS ms;" \
      "exit $( ((exit_ok)) && echo ok || echo FAILED); listener $( ((ear_ok)) && echo ok || echo FAILED) (${ended:-?} ended by the stop)," \
      "both-ways ($order) $( ((duo_ok)) && echo ok || echo FAILED) ($(grep -h '^ledger' "$WORK/duo-check$n.txt" || true))"
  done
done
expected=$((PER_SIGNAL * ${#SIGNALS[@]}))
note "worst exit after a signal: $worst_ms ms (limit $STOP_LIMIT_MS); $total_counted of $expected rounds counted"
note "rounds failed: exit code or time $exit_failed of $total_counted; listen-only client $ear_failed of $total_counted; both-ways client $duo_failed of $total_counted" \
  "($duo_failed_input_last of $duo_input_last connected input edge last," \
  "$((duo_failed - duo_failed_input_last)) of $((total_counted - duo_input_last)) output edge last)"
((total_counted == expected)) || fail "only $total_counted of $expected rounds counted"
if ((${#failures[@]} > 0)); then
  printf '%s\n' "${failures[@]}" >&2
  fail "${#failures[@]} failure(s): a bad exit, or notes left sounding or no panic at a client after the stop"
fi
echo "PASS"
