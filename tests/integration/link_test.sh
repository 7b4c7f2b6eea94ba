# Ableton Link, end to end: clara-link-peer (Link's default clock, as any Linux Link app) starts a
# session at 100 bpm; clarad joins it (--sync link, solo mode: she plays all the time, from her
# default 120 bpm) and her notes are recorded from clara:midi_out; a second after she joined the
# peer starts the session's transport. Checked: her note-ons lie on the peer's grid (48th notes)
# from 8 s after she joined through CLARA_LINK_SECONDS (60) at the steady tempo; the peer's change to 125 bpm is followed within one bar (the same bounds from
# a bar after it); `clara ctl set tempo 90` proposes 90 to the session and the peer takes it; when
# the peer stops the session no note-on follows once Clara can know it (60 ms: Link passes a change
# on within 50 ms) and every note ends; clarad exits 0 on SIGTERM.
# Bounds as midi_clock_test's (what a loaded 2-core machine keeps): 95 % within 2 ms, none over
# CLARA_LINK_MAX_MS (10); CLARA_LINK_P99_MS=1 checks the issue's goal (p99 within 1 ms, max 3).
# The issue's long run (10 minutes at one tempo): CLARA_LINK_SECONDS=600 (docs/sync.md's figures).
#
# NETWORK: Link discovers peers by multicast on every interface that is up. Everything here runs
# in a private network namespace this script makes (it runs itself again under `unshare -n` as
# root, `unshare -rn` otherwise), where the only interface is loopback: no packet leaves the
# machine. Where no such namespace can be made, the test says so as "unavailable" and runs nothing.
# Why not always -r: in a user namespace jackd and its clients get no real-time scheduling, and on
# a loaded machine the dummy server's xruns then moved onsets by up to 24 ms.
if [ "${CLARA_LINK_NETNS:-}" != 1 ]; then
  NETNS=(unshare -rn)
  [ "$(id -u)" -ne 0 ] || NETNS=(unshare -n)
  if "${NETNS[@]}" true 2>/dev/null; then
    exec "${NETNS[@]}" env CLARA_LINK_NETNS=1 bash "$0" "$@"
  fi
  NO_NETNS=1
fi
source "$(dirname "$0")/lib.sh" "$@"
[ -z "${NO_NETNS:-}" ] || unavailable "${NETNS[*]} is not permitted here: no private network namespace for Link"
# In the namespace: loopback up with multicast routed to it, and no other interface at all.
ip link set lo up multicast on || fail "cannot bring up lo in the private namespace"
ip route add 224.0.0.0/4 dev lo || fail "cannot route multicast to lo in the private namespace"
[ "$(ip -o link show | wc -l)" -eq 1 ] || fail "the namespace has interfaces besides lo: $(ip -o link show)"

PEER=$(dirname "$CLARAD")/clara-link-peer
[ -x "$PEER" ] || skip "$PEER not built (CLARA_WITH_LINK=OFF)"
MODEL=$SRC/models/notewise-piano
[ -f "$MODEL/weights.pt" ] || fail "$MODEL/weights.pt missing"
STEADY=${CLARA_LINK_SECONDS:-60}
if [ -n "${CLARA_LINK_P99_MS:-}" ]; then
  BOUNDS=(99 "$CLARA_LINK_P99_MS" 3)
else
  BOUNDS=(95 2 "${CLARA_LINK_MAX_MS:-10}")
fi
SETTLE=8          # s after she joined: her bar lines are on the session's within two bars (4.8 s)
CHANGED_FOR=12    # s at 125 bpm before her proposal
TEMPO_AT=$((SETTLE + STEADY))
STOP_AT=$((TEMPO_AT + CHANGED_FOR + 4))
ctl() { "$CLARA" ctl --port "$OSC_PORT" --timeout 5 "$@"; }
# waits (SECONDS at most) for an event line of the peer's
wait_event() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    grep -qs "^$1	" "$WORK/events.tsv" && return 0
    sleep 0.1
  done
  fail "the peer never logged '$1' within $2 s: $(cat "$WORK/events.tsv" "$WORK/peer.err" 2>/dev/null)"
}

start_jackd
"$PEER" --bpm 100 --quantum 4 --play-at 1 --tempo-at "$TEMPO_AT" --tempo 125 --stop-at "$STOP_AT" --seconds $((STOP_AT + 2)) \
  --grid "$WORK/grid.tsv" --events "$WORK/events.tsv" 2>"$WORK/peer.err" &
PEER_PID=$!
STARTED+=("$PEER_PID")
start_clarad clarad --model "$MODEL" --mode solo --sync link --seed 0 --no-record
start_probe ear --name ear --record-from clara:midi_out --seconds $((STOP_AT + 120)) --out "$WORK/rec.tsv"
EAR=$PROBE_PID
wait_event joined 20
note "$(grep 'link: joined' "$WORK/clarad.err")"
wait_event tempo $((TEMPO_AT + 20))
sleep "$CHANGED_FOR"
ctl set tempo 90 >/dev/null || fail "clara ctl set tempo 90 was refused"
rc=0
wait "$PEER_PID" || rc=$?
forget_pid "$PEER_PID"
[ "$rc" -eq 0 ] || fail "clara-link-peer exited $rc: $(cat "$WORK/peer.err")"
PROBE_PID=$EAR
stop_probe
stop_clarad
note "peer: $(tr '\n' ' ' <"$WORK/events.tsv")"
# Which clock JACK's times (the recording's) are on: CLOCK_MONOTONIC or CLOCK_MONOTONIC_RAW (JACK
# 1.9.21 on Linux), from the probe's CLOCK_MONOTONIC minus jack_get_time() at its start.
JACK_OFFSET=$(sed -n 's/^clara-jackprobe: monotonic_minus_jack_ns //p' "$WORK/ear.err")
[ -n "$JACK_OFFSET" ] || fail "the probe did not print monotonic_minus_jack_ns"
JACK_CLOCK=$("$PY" -c '
import sys, time
off = int(sys.argv[1])
raw_behind = time.clock_gettime_ns(time.CLOCK_MONOTONIC) - time.clock_gettime_ns(time.CLOCK_MONOTONIC_RAW)
print("monotonic" if abs(off) < 1e6 else "raw" if abs(off - raw_behind) < 1e6 else "unknown")' "$JACK_OFFSET")
note "JACK's clock: $JACK_CLOCK (CLOCK_MONOTONIC minus JACK's time: $JACK_OFFSET ns)"
[ "$JACK_CLOCK" != unknown ] || fail "JACK's time is neither CLOCK_MONOTONIC nor CLOCK_MONOTONIC_RAW"
"$PY" "$TESTS_DIR/link_grid.py" "$WORK/rec.tsv" "$WORK/grid.tsv" "$WORK/events.tsv" "$JACK_CLOCK" 4 "$SETTLE" \
  "${BOUNDS[@]}" 90 \
  || fail "Clara off the session's grid, playing after its stop, or her proposal not taken (figures above)"
[ "$CLARAD_RC" -eq 0 ] || fail "clarad exited $CLARAD_RC after SIGTERM"
grep -q 'link: start' "$WORK/clarad.err" || fail "clarad did not log the session's start"
echo "PASS"
