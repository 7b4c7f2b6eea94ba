# kill -9 mid-answer (named crash_recovery_test: with a 4-digit PID, "clara-it-crash_test-NNNN" is a
# 24-character server name, which makes JACK 1.9.21's jack_lsp abort in malloc): a listen-only client (jack_midi_dump, connected by clarad's --connect-out pattern)
# hears Clara while a player plays into her; once one of her notes is sounding, clarad is killed with
# SIGKILL (no panic, no cleanup), and a new clarad with the same settings starts. The listener stays
# connected across the restart (the new clarad connects it at start). 1 s after the new clarad's ready
# line, no note of the killed clarad may be sounding at the listener: every note-on before the new
# clarad's start-up panic has its note-off before that panic's CC123 (so the note-offs come from the
# crash ledger, which names exactly the notes that were sounding, not from the CC123).
#   CLARA_CRASH_ROUNDS  kills (default 20, the service issue's count)
#   CLARA_CRASH_SEED    seed of the delays and of clarad's sampling
source "$(dirname "$0")/lib.sh" "$@"

MODEL=$SRC/models/notewise-piano
[ -f "$MODEL/weights.pt" ] || fail "$MODEL/weights.pt missing"
ROUNDS=${CLARA_CRASH_ROUNDS:-20}
SEED=${CLARA_CRASH_SEED:-20261206}
command -v jack_midi_dump >/dev/null 2>&1 || unavailable "jack_midi_dump (the listen-only client) is not installed"
command -v stdbuf >/dev/null 2>&1 || unavailable "stdbuf is not installed"
RANDOM=$SEED
export XDG_RUNTIME_DIR=$WORK/run
LEDGER=$XDG_RUNTIME_DIR/clara/sounding-jack-$JACK_DEFAULT_SERVER-clara

start_jackd
stdbuf -oL jack_midi_dump -a ear >"$WORK/ear.txt" 2>"$WORK/ear.err" &
EAR_PID=$!
STARTED+=("$EAR_PID")
wait_port "ear:input"
ARGS=(--model "$MODEL" --mode accompany --connect-out '^ear:input$' --connect-in '^duo[0-9]*:out$' --no-record)
start_clarad clarad0 "${ARGS[@]}" --seed 0
ended_total=0
for ((n = 1; n <= ROUNDS; n++)); do
  mark=$(wc -l <"$WORK/ear.txt")
  start_probe "duo$n" --name "duo$n" --play "$DATA/duet_phrases.mid" --start-after 0.3 --seconds 60 \
    --out "$WORK/duo$n.tsv"
  sleep "0.$((RANDOM % 10))"
  # Earlier rounds left nothing sounding (checked below), so a sounding note in the whole file is this round's.
  tsv wait-sounding "$WORK/ear.txt" 10 >"$WORK/sounding$n.txt" ||
    fail "round $n: no note of Clara's sounding within 10 s"
  # Mid-answer, 100-400 ms into a sounding note: the ledger file trails the output by its writer's
  # 2-7 ms (more on a loaded machine); a note begun inside that window is ended only by the
  # start-up panic's CC123, which this check does not count (docs/service.md, Recovery).
  sleep "0.$((1 + RANDOM % 4))"
  kill -KILL "$CLARAD_PID"
  wait "$CLARAD_PID" 2>/dev/null || true
  forget_pid "$CLARAD_PID"
  kill -TERM "$PROBE_PID" 2>/dev/null || true
  wait "$PROBE_PID" 2>/dev/null || true
  forget_pid "$PROBE_PID"
  # The server drops the killed client when it sees its socket close; the new one takes its name.
  for _ in $(seq 100); do
    jack_lsp -s "$JACK_DEFAULT_SERVER" 2>/dev/null | grep -qx 'clara:midi_out' || break
    sleep 0.05
  done
  left=$(grep -c '^[0-7] ' "$LEDGER" 2>/dev/null || true)
  left=${left:-0}
  start_clarad "clarad$n" "${ARGS[@]}" --seed "$n"
  sleep 1
  # The killed clarad's notes and what the new one wrote first (the ledger's note-offs, then CC64 0):
  # everything before the start-up panic's CC123. What the new clarad plays after that (accompany
  # mode goes on by itself) is its own, not a note left hanging.
  # The whole recording up to that CC123, not only this round's part: the killed clarad, playing
  # on by itself since the last round, may have begun the note it was killed in before this
  # round's mark, and every earlier round was checked clean.
  cc=$(tail -n +"$((mark + 1))" "$WORK/ear.txt" | grep -n -m1 ': b0 7b 00' | cut -d: -f1 || true)
  [ -n "$cc" ] || fail "round $n: the new clarad's start-up panic did not reach the listener"
  head -n "$((mark + cc - 1))" "$WORK/ear.txt" >"$WORK/ear-check$n.txt"
  tsv ledger "$WORK/ear-check$n.txt" >"$WORK/ledger$n.txt" 2>&1 ||
    fail "round $n: notes still sounding 1 s after the new clarad's ready line: $(cat "$WORK/ledger$n.txt"); ledger file had $left keys; $(grep 'left' "$WORK/clarad$n.err" || true)"
  recovered=$(grep -o 'left [0-9]* notes sounding' "$WORK/clarad$n.err" | grep -o '[0-9]*' || echo 0)
  ended_total=$((ended_total + recovered))
  echo "round $n: killed with $(cat "$WORK/sounding$n.txt"); ledger file held $left keys, the new clarad ended $recovered; $(cat "$WORK/ledger$n.txt")"
  # The note heard sounding before the pause may have ended by itself before the kill (short notes:
  # CI's round 2 had one note, ended by the killed clarad): the ledger then rightly held nothing. What
  # must hold is that the new clarad ended exactly what the ledger held, and (below) that the kills
  # did catch notes sounding.
  [ "$recovered" -eq "$left" ] || fail "round $n: the ledger file held $left keys, but the new clarad ended $recovered"
done
[ "$ended_total" -ge 1 ] || fail "no kill caught a note of Clara's sounding: the crash ledger was never exercised"
stop_clarad
[ "$CLARAD_RC" -eq 0 ] || fail "clarad exited $CLARAD_RC after SIGTERM"
[ ! -e "$LEDGER" ] || fail "the ledger file is still there after a clean stop: $(cat "$LEDGER")"
note "$ROUNDS kills, $ended_total notes ended from the crash ledger, none left sounding"
echo "PASS"
