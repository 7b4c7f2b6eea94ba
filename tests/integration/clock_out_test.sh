# Clara as MIDI Clock master, end to end: clarad --clock-out in solo mode at 120 bpm on a JACK
# dummy server connects her port to a probe that records it frame by frame; after a few seconds
# `clara ctl set tempo 150`, a few seconds more, then SIGTERM. Checks (probe_tsv.py clock-out): one
# Start before the first tick and one Stop after the last; ticks 24 a quarter at 120 bpm, then at
# 150 (each spacing within 2 frames of the tempo's), at least 100 at each; every note-on she played
# on a tick's frame; clarad stops cleanly and her notes all end. The same run has a metronome and
# a one-bar count-in (--metronome --count-in 1): a click on channel 10 on every 24th tick, the bar's
# first beat accented (probe_tsv.py metronome), and none of Clara's notes in the count-in.
source "$(dirname "$0")/lib.sh" "$@"

MODEL=$SRC/models/notewise-piano
[ -f "$MODEL/weights.pt" ] || fail "$MODEL/weights.pt missing"
ctl() { "$CLARA" ctl --port "$OSC_PORT" --timeout 5 "$@"; }

start_jackd
# The probe first, so that clarad connects to it at start and the Start is heard.
start_probe ear --name ear --seconds 600 --out "$WORK/rec.tsv"
wait_port ear:in
start_clarad clarad --model "$MODEL" --mode solo --clock-out --metronome --count-in 1 --tempo 120 --seed 0 --no-record \
  --connect-out ear:in --stats-file "$WORK/stats.json"
sleep 5
ctl set tempo 150 >/dev/null || fail "clara ctl set tempo 150 failed"
sleep 5
stop_clarad
[ "$CLARAD_RC" -eq 0 ] || fail "clarad exited $CLARAD_RC after SIGTERM"
stop_probe
tsv clock-out "$WORK/rec.tsv" "$RATE" 120 150 || fail "the clock Clara sent is wrong (figures above)"
tsv metronome "$WORK/rec.tsv" 4 1 || fail "the metronome or the count-in is wrong (figures above)"
tsv ledger "$WORK/rec.tsv" || fail "a note left hanging"
note "late: $(stat_of "$WORK/stats.json" late) (commit $(stat_of "$WORK/stats.json" late_commit), cycle $(stat_of "$WORK/stats.json" late_cycle))"
echo "PASS"
