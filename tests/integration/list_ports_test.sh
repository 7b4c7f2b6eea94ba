# `clarad --list-ports`: on a JACK dummy server with two other clients (kb and kb1, each a MIDI
# in and out), clarad lists the ports it could listen to and play to, marks the ones its patterns
# take (a name matches whole words only: 'kb:out' takes kb:out, never kb1:out), says which pattern
# matches nothing, leaves its own ports out, and exits 0; with no server it exits 69 naming it.
source "$(dirname "$0")/lib.sh" "$@"

start_jackd
start_probe kb --name kb --seconds 30 --out "$WORK/kb.tsv"
KB=$PROBE_PID
start_probe kb1 --name kb1 --seconds 30 --out "$WORK/kb1.tsv"
wait_port kb:out && wait_port kb1:in || fail "the probes' ports did not appear"
# A running clarad's own ports are not offered to itself.
start_clarad clarad --model "$SRC/models/notewise-piano" --no-record
wait_port clara:midi_in || fail "clarad's ports did not appear"

RC=0
"$CLARAD" --list-ports --connect-in 'kb:out' --connect-out '^kb1?:in$' --connect-out 'synth' \
  >"$WORK/list.out" 2>"$WORK/list.err" || RC=$?
cat "$WORK/list.out"
[ "$RC" -eq 0 ] || fail "clarad --list-ports exited $RC: $(cat "$WORK/list.err")"
grep -qx "  kb:out    <- connected by connect_input\[0\] 'kb:out'" "$WORK/list.out" || fail "kb:out is not marked as taken by 'kb:out'"
grep -qx "  kb1:out" "$WORK/list.out" || fail "kb1:out is listed as taken by the name 'kb:out' (or missing)"
grep -qx "  kb:in    <- connected by midi.output\[0\].connect\[0\] '^kb1?:in\$'" "$WORK/list.out" || fail "kb:in is not marked"
grep -qx "  kb1:in    <- connected by midi.output\[0\].connect\[0\] '^kb1?:in\$'" "$WORK/list.out" || fail "kb1:in is not marked"
grep -qx "no port matches midi.output\[0\].connect\[1\] 'synth'" "$WORK/list.out" || fail "the pattern matching nothing is not reported"
grep -q "clara:" "$WORK/list.out" && fail "clarad listed its own ports"

# No server: 69, naming it.
RC=0
JACK_DEFAULT_SERVER=clara-nobody-$$ "$CLARAD" --list-ports >/dev/null 2>"$WORK/none.err" || RC=$?
[ "$RC" -eq 69 ] && grep -q "no JACK server" "$WORK/none.err" || fail "with no server: exit $RC, $(cat "$WORK/none.err")"
stop_clarad
echo "PASS"
