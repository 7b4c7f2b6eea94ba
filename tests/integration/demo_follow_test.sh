#!/usr/bin/env bash
# `clara demo --follow`: the demo's sample played at its own 105 bpm drifting +-3 % into a clarad
# started at 120 bpm with --sync follow (its own dummy JACK server, as demo_test). It must exit 0,
# say that clarad locked on the human's beat, and show her grid moved from 120 to within 6 % of 105
# bpm (the drift's 3 % and the tracker's error); nothing may be left running.
source "$(dirname "$0")/lib.sh" "$@"

cd "$WORK"
rc=0
"$CLARA" demo --follow > demo.out 2> demo.err || rc=$?
cat demo.out
[ "$rc" -eq 0 ] || { cat demo.err; fail "clara demo --follow exited $rc"; }
server=$(sed -n 's/.*(jackd -n \([^ ]*\) .*/\1/p' demo.out | head -1)
[ -n "$server" ] || fail "the demo did not say it started a JACK server"
grep -q -- "--follow: the human plays at 105 bpm" demo.out || fail "the demo did not say what the human plays"
grep -q "clarad logged 'follow: locked on the human's beat at" demo.out || fail "clarad never locked on the human's beat"
last=$(sed -n 's/.*Clara followed: her grid moved [0-9]* times from 120 bpm, .*, ending at \([0-9.]*\) bpm.*/\1/p' demo.out)
[ -n "$last" ] || fail "the demo did not show the tempo Clara followed"
"$PY" -c 'import sys; sys.exit(abs(float(sys.argv[1]) / 105 - 1) > 0.06)' "$last" ||
  fail "Clara's grid ended at $last bpm, not within 6 % of the human's 105"
note "Clara's grid ended at $last bpm (human 105 +-3 %)"
sleep 0.5
if pgrep -f "jackd -n $server " >/dev/null; then fail "the demo left its jackd ($server) running"; fi
if pgrep -f "clarad .*--jack-server $server" >/dev/null; then fail "the demo left clarad running"; fi
echo "PASS"
