# Following the human (follow), end to end: clarad starts at 120 bpm in answer mode with the internal
# source and is switched to follow over OSC (`clara ctl set sync follow`, on a bar line; --sync
# follow itself: demo_follow_test); then the human plays three phrases at 96 bpm (8 ms of timing
# noise, seeded) into clara:midi_in;
# Clara's answers are recorded from clara:midi_out. From her second answer on (the first phrase is
# the tracker's lock-in), her answers must be on the human's grid: the intervals between her onsets
# multiples of the human's step (a beat / 12: p90 within CLARA_FOLLOW_IOI_MS, default 5 ms; seven
# runs on the loaded development machine measured 1.1-2.0 ms, the tracker's tempo being a few tenths
# of a percent off; on a grid left at 120 bpm most miss by 10 or 20 ms), each answer within 4 % of 96
# bpm, and her onsets near the human's steps (p50 within CLARA_FOLLOW_PHASE_MS, default 10 ms;
# measured 3.0-8.7 ms; an unaligned grid gives about 13 ms). Both are measured on JACK's clock, which
# clarad plays by, against the human as clarad heard them (probe_tsv.py follow says why: on a loaded
# machine the dummy server's frame counter, which the probe plays by, slips against that clock). Also: clarad logs that it locked, on
# about 96 bpm; every note ends; clarad exits 0 on SIGTERM; /clara/status shows sync follow,
# sync_locked and sync_bpm within 4 % of 96; the session's replay.log records the grid's tempo
# changes and `clara replay` regenerates its tokens exactly. CLARA_FOLLOW_SYNC=internal runs the
# same with the grid left alone, and fails.
source "$(dirname "$0")/lib.sh" "$@"

MODEL=$SRC/models/notewise-piano
[ -f "$MODEL/weights.pt" ] || fail "$MODEL/weights.pt missing"
PLAYED_BPM=96
CONFIGURED_BPM=120
SYNC=${CLARA_FOLLOW_SYNC:-follow}

# Bars of quarters and eighths (beats 0, 1, 1.5, 2, 3, 3.5) with chords on 0 and 2: phrase 1 is four
# bars from beat 0, phrases 2 and 3 two bars from beats 28 and 48, each leaving Clara two bars (her
# answer's length) and a little; the piece starts 0.5 s in, on a beat, and its first note is exact.
"$PY" - "$WORK/phrases.mid" "$PLAYED_BPM" <<'PYEOF'
import random, sys, mido
out, bpm = sys.argv[1], float(sys.argv[2])
beat_s = 60.0 / bpm
rng = random.Random(13)
events = []  # (seconds, on, key, velocity)
keys = [60, 62, 64, 65, 67, 69, 71, 72, 74, 72, 69, 67]
k = 0
for first_beat, bars in ((0, 4), (28, 2), (48, 2)):
    for bar in range(bars):
        for q in (0, 1, 1.5, 2, 3, 3.5):
            at = 0.5 + (first_beat + bar * 4 + q) * beat_s
            if events:
                at += rng.gauss(0, 0.008)
            length = 0.4 * beat_s if q % 1 else 0.8 * beat_s
            chord = [keys[k % len(keys)]] + ([48, 55] if q in (0, 2) else [])
            k += 1
            for i, key in enumerate(chord):
                events.append((at + 0.003 * i, 1, key, 80 if i == 0 else 64))
                events.append((at + 0.003 * i + length, 0, key, 0))
events.sort(key=lambda e: (e[0], e[1]))
mid = mido.MidiFile(ticks_per_beat=480)
track = mido.MidiTrack()
mid.tracks.append(track)
track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm), time=0))
ticks = lambda s: int(round(s / beat_s * 480))
last = 0
for at, on, key, vel in events:
    t = ticks(at)
    track.append(mido.Message("note_on" if on else "note_off", note=key, velocity=vel, time=t - last))
    last = t
mid.save(out)
PYEOF

start_jackd
ctl() { "$CLARA" ctl --port "$OSC_PORT" --timeout 5 "$@"; }
start_clarad clarad --model "$MODEL" --mode answer --tempo "$CONFIGURED_BPM" --sync internal --seed 0 \
  --sessions "$WORK/sessions" --stats-file "$WORK/stats.json"
note "$(grep '^clarad: ready' "$WORK/clarad.err")"
if [ "$SYNC" != internal ]; then
  ctl set sync "$SYNC" || fail "clara ctl set sync $SYNC: exit $?"
  for _ in $(seq 50); do  # the switch lands on the next bar line (2 s at 120 bpm)
    grep -q "tempo source: $SYNC (was internal)" "$WORK/clarad.err" && break
    sleep 0.1
  done
  grep -q "tempo source: $SYNC (was internal)" "$WORK/clarad.err" || fail "clarad did not switch to $SYNC in 5 s"
fi

# The last phrase ends at beat 56 (35.5 s): its answer is over by beat 68 (43 s).
start_probe probe --play "$WORK/phrases.mid" --play-to clara:midi_in --record-from clara:midi_out \
  --seconds 60 --out "$WORK/rec.tsv" --played-out "$WORK/played.tsv"
sleep 44
ctl status >"$WORK/status.txt" || fail "clara ctl status: exit $?"
stop_clarad
note "clarad exit $CLARAD_RC, $CLARAD_STOP_MS ms after SIGTERM"
sleep 0.2
stop_probe
[ "$CLARAD_RC" -eq 0 ] || fail "clarad exited $CLARAD_RC after SIGTERM"

note "$(grep 'follow:' "$WORK/clarad.err" || echo 'clarad logged nothing about following')"
tsv follow "$WORK/rec.tsv" "$WORK/played.tsv" "$PLAYED_BPM" "$CONFIGURED_BPM" "$RATE" 1 \
  "${CLARA_FOLLOW_IOI_MS:-5}" "${CLARA_FOLLOW_PHASE_MS:-10}" "$PERIOD"
tsv ledger "$WORK/rec.tsv"
locked=$(sed -n 's/.*follow: locked on the human.s beat at \([0-9.]*\) bpm.*/\1/p' "$WORK/clarad.err" | tail -n 1)
[ -n "$locked" ] || fail "clarad never logged 'follow: locked on the human's beat'"
"$PY" -c 'import sys; b, p = map(float, sys.argv[1:]); sys.exit(abs(b / p - 1) > 0.04)' "$locked" "$PLAYED_BPM" \
  || fail "clarad locked at $locked bpm, not within 4 % of $PLAYED_BPM"

# The status keys midi-clock uses: the source, the tracker's lock, the human's tempo as tracked.
note "status: $(grep -E '^ *sync' "$WORK/status.txt" | tr -s ' ' | tr '\n' ' ')"
grep -Eq '^sync: +follow$' "$WORK/status.txt" || fail "status does not show sync follow: $(cat "$WORK/status.txt")"
grep -Eq '^sync_locked: +true$' "$WORK/status.txt" || fail "status does not show sync_locked: $(grep sync "$WORK/status.txt")"
bpm=$(sed -n 's/^sync_bpm: *\([0-9.]*\).*/\1/p' "$WORK/status.txt")
"$PY" -c 'import sys; sys.exit(abs(float(sys.argv[1]) / float(sys.argv[2]) - 1) > 0.04)' "${bpm:-0}" "$PLAYED_BPM" ||
  fail "status sync_bpm '${bpm}' is not within 4 % of $PLAYED_BPM"

# The followed grid is in the session like any tempo change: replay gives the same tokens.
sessions=("$WORK"/sessions/*/)
[ ${#sessions[@]} -eq 1 ] && [ -f "${sessions[0]}replay.log" ] || fail "expected one session folder with replay.log in $WORK/sessions"
session=${sessions[0]%/}
changes=$(grep -c '^step [0-9]* tempo ' "$session/replay.log" || true)
[ "$changes" -gt 0 ] || fail "replay.log records no tempo change: the grid was not steered"
"$CLARA" replay "$session/replay.log" --model "$MODEL" --tokens "$WORK/replayed.txt" >"$WORK/replay.out" 2>&1 ||
  fail "clara replay failed: $(tail -n 5 "$WORK/replay.out")"
cmp -s "$WORK/replayed.txt" "$session/tokens.txt" ||
  fail "clara replay's tokens differ from the session's tokens.txt: $(cmp "$WORK/replayed.txt" "$session/tokens.txt" || true)"
note "the session recorded $changes tempo changes; clara replay reproduced tokens.txt exactly ($(wc -w <"$session/tokens.txt") tokens)"
echo "PASS"
