# clarad under a service manager's eyes (Type=notify): a notification socket of the test's own, bound by
# a small recorder that timestamps every datagram on CLOCK_MONOTONIC and lists the JACK ports the moment
# READY=1 arrives. Checks: READY=1 is the first message and comes only once clara:midi_in and
# clara:midi_out exist; STATUS= lines parse (model, mode, tempo, late events); with WATCHDOG_USEC=2 s,
# WATCHDOG=1 about every second, and none once the test hook CLARA_TEST_STALL_OUTPUT_AFTER_S makes
# the watchdog read the output path as stalled (a STATUS= line then says so); STOPPING=1 after SIGTERM,
# nothing after it. And, when run as root: root without --allow-root is refused with 77.
source "$(dirname "$0")/lib.sh" "$@"

MODEL=$SRC/models/notewise-piano
[ -f "$MODEL/weights.pt" ] || fail "$MODEL/weights.pt missing"
STALL_S=4       # the stall hook: output read as stalled from 4 s after READY
WATCH_S=7.5     # how long after READY the test watches before SIGTERM (a STATUS= line falls at 5 s)

start_jackd

if [ "$(id -u)" -eq 0 ]; then
  RC=0
  timeout 30 "$CLARAD" --jack-server "$JACK_DEFAULT_SERVER" --no-osc --model "$MODEL" \
    >"$WORK/root.out" 2>"$WORK/root.err" || RC=$?
  [ "$RC" -eq 77 ] || fail "root without --allow-root: exit $RC, expected 77 (EX_NOPERM): $(cat "$WORK/root.err")"
  grep -qF -- "--allow-root" "$WORK/root.err" || fail "the refusal does not name --allow-root: $(cat "$WORK/root.err")"
  ! grep -q '^clarad: ready' "$WORK/root.err" || fail "clarad went live as root without --allow-root"
  note "root without --allow-root: exit 77: $(head -c 200 "$WORK/root.err")"
fi

SOCK=$WORK/notify.sock
LOG=$WORK/notify.tsv
"$PY" - "$SOCK" "$LOG" "$JACK_DEFAULT_SERVER" <<'PYEOF' 2>"$WORK/recorder.err" &
import signal, socket, subprocess, sys, time
path, out, server = sys.argv[1:4]
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(out, "w", buffering=1) as f:
    while True:
        data, t = s.recv(65536), time.monotonic_ns()
        lines = data.decode("utf-8", "replace").split("\n")
        for line in lines:
            f.write("%d\tmsg\t%s\n" % (t, line))
        if "READY=1" in lines:
            ports = subprocess.run(["jack_lsp", "-s", server], capture_output=True, text=True).stdout.split("\n")
            f.write("%d\tports\t%s\n" % (t, " ".join(p for p in ports if p)))
PYEOF
RECORDER_PID=$!
STARTED+=("$RECORDER_PID")
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || fail "the notify recorder did not bind $SOCK: $(cat "$WORK/recorder.err")"

export NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=2000000 CLARA_TEST_STALL_OUTPUT_AFTER_S=$STALL_S
start_clarad clarad --model "$MODEL" --mode answer --tempo 120 --no-record --no-osc
unset NOTIFY_SOCKET WATCHDOG_USEC CLARA_TEST_STALL_OUTPUT_AFTER_S
for _ in $(seq 50); do grep -q $'\tmsg\tREADY=1$' "$LOG" && break; sleep 0.1; done
grep -q $'\tmsg\tREADY=1$' "$LOG" || fail "no READY=1 within 5 s of clarad's ready line: $(cat "$LOG")"
sleep "$WATCH_S"
TERM_NS=$("$PY" -c 'import time; print(time.monotonic_ns())')
stop_clarad
sleep 0.3
kill -TERM "$RECORDER_PID"
wait "$RECORDER_PID" || true
forget_pid "$RECORDER_PID"
[ "$CLARAD_RC" -eq 0 ] || fail "clarad exited $CLARAD_RC after SIGTERM"
grep -q "watchdog: the output path" "$WORK/clarad.err" || fail "clarad did not log the stall: $(cat "$WORK/clarad.err")"

"$PY" - "$LOG" "$TERM_NS" "$STALL_S" <<'PYEOF' || fail "notification checks failed (log: $(cat "$LOG"))"
import re, sys
log, term_ns, stall_s = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
rows = [l.rstrip("\n").split("\t", 2) for l in open(log)]
msgs = [(int(t), text) for t, kind, text in rows if kind == "msg"]
ports = [text.split() for t, kind, text in rows if kind == "ports"]
bad = []
def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok: bad.append(what)

check(msgs and msgs[0][1] == "READY=1", "READY=1 is the first message")
ready = msgs[0][0]
check(len(ports) == 1 and "clara:midi_in" in ports[0] and "clara:midi_out" in ports[0],
      "clara:midi_in and clara:midi_out exist when READY=1 arrives (%s)" % (ports[0] if ports else "no port list"))
status_re = re.compile(r"^STATUS=model (\S+), mode (answer|accompany|solo|listen), ([0-9.]+) bpm, (\d+) late events?((, [a-z ]+)*)$")
statuses = [(t, text) for t, text in msgs if text.startswith("STATUS=")]
for t, text in statuses:
    if text.startswith("STATUS=stopping"): continue
    m = status_re.match(text)
    check(bool(m) and m.group(1) == "notewise-piano" and m.group(2) == "answer" and float(m.group(3)) == 120,
          "STATUS at +%.2f s parses: %r" % ((t - ready) / 1e9, text))
check(statuses and statuses[0][0] == ready, "the READY=1 datagram carries the first STATUS=")
stalled = [t for t, text in statuses if "output stalled" in text]
check(len(stalled) >= 1 and stalled[0] - ready >= stall_s * 1e9, "a STATUS= after the stall says 'output stalled'")
pings = [(t - ready) / 1e9 for t, text in msgs if text == "WATCHDOG=1"]
print("pings at +s: " + " ".join("%.2f" % p for p in pings))
before = [p for p in pings if p < stall_s]
check(len(before) >= 3, "3 or more WATCHDOG=1 before the stall at %.1f s (got %d)" % (stall_s, len(before)))
gaps = [b - a for a, b in zip(before, before[1:])]
check(all(0.6 <= g <= 1.6 for g in gaps) and before and 0.6 <= before[0] <= 1.6,
      "WATCHDOG=1 about every second (first at %s, gaps %s)" % (before[:1], ["%.2f" % g for g in gaps]))
check(not [p for p in pings if p >= stall_s + 0.2], "no WATCHDOG=1 once the output path reads as stalled")
stopping = [t for t, text in msgs if text == "STOPPING=1"]
check(len(stopping) == 1 and stopping[0] > term_ns, "STOPPING=1 once, after SIGTERM")
check(stopping and msgs[-1][0] == stopping[0], "nothing after STOPPING=1")
sys.exit(1 if bad else 0)
PYEOF
echo "PASS"
