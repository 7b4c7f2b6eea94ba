# Hot-plug: a capture client that clarad connects to (--connect-out) is killed and started again, round
# after round, while a listen-only client (tests/integration/jack_watch.py) stamps every port
# registration and connection on the server. Each round: the port appears, clarad connects it within
# 1 s (from the registration to the connection, both as JACK reports them) and sends a panic on it
# (CC123 arrives), the port vanishes and clarad reports it once and stays up. Also: a --connect-in
# pattern that matches nothing at start is reported, and connected when such a port appears.
#   CLARA_HOTPLUG_ROUNDS   rounds at most (default 100, the issue's count)
#   CLARA_HOTPLUG_SECONDS  time budget for the rounds (default 60); at least 20 rounds are run even
#                          when they take longer (a loaded machine starts jack_midi_dump slowly)
source "$(dirname "$0")/lib.sh" "$@"

MODEL=$SRC/models/notewise-piano
[ -f "$MODEL/weights.pt" ] || fail "$MODEL/weights.pt missing"
ROUNDS=${CLARA_HOTPLUG_ROUNDS:-100}
BUDGET_S=${CLARA_HOTPLUG_SECONDS:-60}
MIN_ROUNDS=20
LIMIT_MS=1000
command -v jack_midi_dump >/dev/null 2>&1 || unavailable "jack_midi_dump (the capture client) is not installed"
command -v stdbuf >/dev/null 2>&1 || unavailable "stdbuf is not installed"
export XDG_RUNTIME_DIR=$WORK/run

start_jackd
EVENTS=$WORK/events.tsv
"$PY" "$TESTS_DIR/jack_watch.py" "$EVENTS" watch 2>"$WORK/watch.err" &
WATCH_PID=$!
STARTED+=("$WATCH_PID")
for _ in $(seq 100); do grep -qs $'\tactive$' "$EVENTS" && break; sleep 0.1; done
grep -qs $'\tactive$' "$EVENTS" || fail "the JACK watcher did not start: $(cat "$WORK/watch.err")"

start_clarad clarad --model "$MODEL" --mode answer --no-record --connect-out '^cap:input$' --connect-in '^kb:out$'
grep -q "no JACK port matches connect_input yet" "$WORK/clarad.err" ||
  fail "a --connect-in pattern matching nothing at start was not reported: $(cat "$WORK/clarad.err")"
grep -q "no JACK port matches outputs\[0\].connect yet" "$WORK/clarad.err" ||
  fail "a --connect-out pattern matching nothing at start was not reported"

count() { grep -c "$1" "$EVENTS" || true; }
CONN=$'\tconn\tclara:midi_out\tcap:input$'
UNREG=$'\tunreg\tcap:input$'
t0=$(now_ns)
done_rounds=0
for ((i = 1; i <= ROUNDS; i++)); do
  if ((i > MIN_ROUNDS)) && (($(now_ns) - t0 > BUDGET_S * 1000000000)); then break; fi
  stdbuf -oL jack_midi_dump -a cap >"$WORK/cap.txt" 2>"$WORK/cap.err" &
  CAP_PID=$!
  STARTED+=("$CAP_PID")
  ok=0
  for _ in $(seq 250); do  # 5 s: jack_midi_dump's own start on a loaded machine is most of it
    (($(count "$CONN") >= i)) && { ok=1; break; }
    kill -0 "$CLARAD_PID" 2>/dev/null || fail "round $i: clarad exited"
    sleep 0.02
  done
  ((ok)) || fail "round $i: clara:midi_out not connected to cap:input within 5 s of starting the client"
  # The panic on the port that appeared: CC123 (all notes off) on channel 1, as jack_midi_dump prints it.
  ok=0
  for _ in $(seq 50); do grep -q ': b0 7b 00' "$WORK/cap.txt" && { ok=1; break; }; sleep 0.02; done
  ((ok)) || fail "round $i: no panic (CC123 on channel 1) reached cap:input within 1 s of the connection"
  kill -TERM "$CAP_PID"
  wait "$CAP_PID" 2>/dev/null || true
  forget_pid "$CAP_PID"
  for _ in $(seq 250); do (($(count "$UNREG") >= i)) && break; sleep 0.02; done
  done_rounds=$i
done
elapsed_s=$(( ($(now_ns) - t0) / 1000000000 ))
note "$done_rounds rounds in $elapsed_s s"
((done_rounds >= MIN_ROUNDS || done_rounds == ROUNDS)) || fail "only $done_rounds rounds (at least $MIN_ROUNDS)"

# The input side: a keyboard's port that did not exist at start is connected when it appears.
start_probe kb --name kb --seconds 3 --out "$WORK/kb.tsv"
for _ in $(seq 100); do (($(count $'\tconn\tkb:out\tclara:midi_in$') >= 1)) && break; sleep 0.05; done
wait_probe
sleep 0.3
kill -0 "$CLARAD_PID" 2>/dev/null || fail "clarad exited"
stop_clarad
[ "$CLARAD_RC" -eq 0 ] || fail "clarad exited $CLARAD_RC after SIGTERM"
kill -TERM "$WATCH_PID"
wait "$WATCH_PID" 2>/dev/null || true
forget_pid "$WATCH_PID"

vanished=$(grep -c "JACK port cap:input went away" "$WORK/clarad.err" || true)
note "clarad reported cap:input gone $vanished times for $done_rounds removals"
[ "$vanished" -eq "$done_rounds" ] || fail "each removal must be reported once: $vanished reports, $done_rounds removals"

"$PY" - "$EVENTS" "$done_rounds" "$LIMIT_MS" <<'PYEOF' || fail "reconnection times (events: $EVENTS)"
import sys
path, rounds, limit_ms = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
rows = [l.rstrip("\n").split("\t") for l in open(path)]
lat, reg = [], None
for r in rows:
    t = int(r[0])
    if r[1:] == ["reg", "cap:input"]:
        reg = t
    elif r[1:] == ["conn", "clara:midi_out", "cap:input"] and reg is not None:
        lat.append((t - reg) / 1e6)
        reg = None
kb = [int(r[0]) for r in rows if r[1:] == ["reg", "kb:out"]]
kbc = [int(r[0]) for r in rows if r[1:] == ["conn", "kb:out", "clara:midi_in"]]
bad = []
if len(lat) != rounds:
    bad.append("%d connections for %d rounds" % (len(lat), rounds))
s = sorted(lat)
if s:
    p = lambda q: s[min(len(s) - 1, int(q * len(s)))]
    print("reconnect after the port appears: n %d, median %.1f ms, p99 %.1f ms, max %.1f ms (limit %.0f ms)"
          % (len(s), p(0.5), p(0.99), s[-1], limit_ms))
    if s[-1] > limit_ms:
        bad.append("slowest reconnection %.1f ms > %.0f ms" % (s[-1], limit_ms))
if not kb or not kbc:
    bad.append("kb:out (a --connect-in port that appeared after start) was not connected to clara:midi_in")
else:
    d = (kbc[0] - kb[0]) / 1e6
    print("input port connected %.1f ms after it appeared" % d)
    if d > limit_ms:
        bad.append("kb:out connected after %.1f ms" % d)
for b in bad:
    print("FAIL " + b)
sys.exit(1 if bad else 0)
PYEOF
echo "PASS"
