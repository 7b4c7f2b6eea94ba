#!/usr/bin/env bash
# `clara demo` as a new user runs it: no JACK server running, no MIDI hardware. It must start its
# own dummy server and clarad, play the phrase, get Clara's answer back, write the duet file and
# picture, print its figures, and leave nothing running behind it.
source "$(dirname "$0")/lib.sh" "$@"

cd "$WORK"
# lib.sh points JACK_DEFAULT_SERVER at a name nobody serves, so the demo finds no server.
rc=0
"$CLARA" demo > demo.out 2> demo.err || rc=$?
cat demo.out
[ "$rc" -eq 0 ] || { cat demo.err; fail "clara demo exited $rc"; }

server=$(sed -n 's/.*(jackd -n \([^ ]*\) .*/\1/p' demo.out | head -1)
[ -n "$server" ] || fail "the demo did not say it started a JACK server"
notes=$(sed -n 's/.*Clara played \([0-9]*\) notes.*/\1/p' demo.out)
[ "${notes:-0}" -gt 0 ] || fail "Clara played no notes"
note "Clara played $notes notes"

"$PY" - "$WORK/demo-duet.mid" <<'PY' || fail "demo-duet.mid is not a two-part duet"
import sys, mido
m = mido.MidiFile(sys.argv[1])
parts = {}
for t in m.tracks:
    name = next((e.name for e in t if e.type == 'track_name'), '')
    parts[name] = sum(1 for e in t if e.type == 'note_on' and e.velocity > 0)
print(parts)
assert parts.get('Human', 0) > 20, parts
assert any(k.startswith('Clara') and v > 0 for k, v in parts.items()), parts
PY
grep -q '<g fill="#1f77b4"' demo-duet.svg || fail "the piano roll has no human notes"
grep -q '<g fill="#ff7f0e"' demo-duet.svg || fail "the piano roll has no Clara notes"

# Two answers, each measured at the ports; generous bound here (answer_test holds the budget).
reactions=$(sed -n 's/.*to Clara.s first note): \(.*\)  (goal.*/\1/p' demo.out)
note "reactions: $reactions"
count=$(echo "$reactions" | grep -o 'ms' | wc -l)
[ "$count" -eq 2 ] || fail "expected two measured reactions, got '$reactions'"
# A reaction of 0 or less would mean Clara played before the human's phrase had ended.
for r in $(echo "$reactions" | grep -o '[-0-9.]* ms' | cut -d' ' -f1); do
  "$PY" -c "import sys; sys.exit(0 if 0 < float('$r') <= 100 else 1)" || fail "reaction $r ms (expected 0 < r <= 100)"
done
# Anchored: "Clara had 10 notes still sounding" must not pass as "0 notes still sounding".
grep -q "Clara had 0 notes still sounding two grid steps later" demo.out ||
  fail "Clara did not yield when the human came back in: $(grep 'still sounding' demo.out || echo 'no yield line')"

# Nothing left behind: not the server it started, not clarad.
sleep 0.5
if pgrep -f "jackd -n $server " >/dev/null; then fail "the demo left its jackd ($server) running"; fi
if pgrep -f "clarad .*--jack-server $server" >/dev/null; then fail "the demo left clarad running"; fi
note "demo passed"
