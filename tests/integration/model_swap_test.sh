# Hot model swaps while Clara plays: clarad on a JACK dummy server with a models folder this test
# builds (copies of the shipped notewise-piano under other names, one with flipped bytes in its
# weights, one whose SHA256SUMS names a wrong sha256, a copy of the chordwise model, the chamber
# model), phrases played into it, and `clara ctl model NAME` in a loop for SWAP_SECONDS (60), cycling
# through good and bad names. Checks: every good switch plays (status and metrics agree), every
# bad one is refused naming the model and the reason, every note-on has its note-off, `clara replay`
# of the session (swaps and all, at int8) gives its tokens back, and the swap loop's late events stay
# at most CLARA_SWAP_MAX_LATE (default 10; the issue's goal is 0), none over 30 ms.
# Earlier runs had 5 late events in all; every one came before the first swap (clarad's start put
# step 0 one JACK period ahead, which setting up took longer than; now 50 ms).
source "$(dirname "$0")/lib.sh" "$@"

command -v jack_midi_dump >/dev/null 2>&1 || unavailable "jack_midi_dump is not installed"
PIANO=$SRC/models/notewise-piano
[ -f "$PIANO/weights.pt" ] || fail "$PIANO/weights.pt missing"
SWAP_SECONDS=${SWAP_SECONDS:-60}
BPM=160
ctl() { "$CLARA" ctl --port "$OSC_PORT" --timeout 5 "$@"; }

# The models folder: hard links for the good copies (nothing writes them), real copies where a
# file is changed.
DATA_DIR=$WORK/data
mkdir -p "$DATA_DIR/models"
for name in piano-a piano-b piano-c; do cp -rl "$PIANO" "$DATA_DIR/models/$name"; done
cp -r "$PIANO" "$DATA_DIR/models/flipped"
"$PY" - "$DATA_DIR/models/flipped/weights.pt" <<'PYEOF'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(100_000)
    b = bytearray(f.read(16))
    f.seek(100_000)
    f.write(bytes(x ^ 0xFF for x in b))
PYEOF
cp -rl "$PIANO" "$DATA_DIR/models/wrongsha"
rm "$DATA_DIR/models/wrongsha/SHA256SUMS"
sed 's/^[0-9a-f]\{64\}\(  weights.pt\)$/0000000000000000000000000000000000000000000000000000000000000000\1/' \
  "$PIANO/SHA256SUMS" >"$DATA_DIR/models/wrongsha/SHA256SUMS"
grep -q '^0\{64\}  weights.pt$' "$DATA_DIR/models/wrongsha/SHA256SUMS" || fail "could not write the wrong sha256"
cp -rl "$SRC/models/chordwise-piano" "$DATA_DIR/models/chords"
export CLARA_DATA_DIR=$DATA_DIR

# Phrases for the swap loop: four notes, then silence, every 2.5 s. They end before the loop does
# (it starts a second or two after the probe): a probe stopped with messages still to play exits 70.
"$PY" - "$WORK/phrases.mid" "$SWAP_SECONDS" <<'PYEOF'
import sys, mido
out, seconds = sys.argv[1], float(sys.argv[2])
mid = mido.MidiFile(ticks_per_beat=480)
track = mido.MidiTrack()
mid.tracks.append(track)
track.append(mido.MetaMessage("set_tempo", tempo=500000, time=0))
tick = lambda s: int(round(s * 960))  # 120 bpm: 960 ticks a second
t_last = 0.0
t = 0.5
keys = [60, 64, 67, 72, 62, 65, 69, 74]
phrase = 0
while t < seconds - 2.5:
    for n in range(4):
        key = keys[(phrase * 4 + n) % len(keys)]
        on, off = t + 0.3 * n, t + 0.3 * n + 0.25
        track.append(mido.Message("note_on", note=key, velocity=70 + 5 * n, time=tick(on) - tick(t_last)))
        track.append(mido.Message("note_off", note=key, velocity=0, time=tick(off) - tick(on)))
        t_last = off
    t += 2.5
    phrase += 1
mid.save(out)
PYEOF

start_jackd
# Accompany: Clara plays all the time, so every swap lands while she plays.
# int8: every swapped-in model runs at the session's arithmetic, and replay at the log's.
start_clarad clarad --model piano-a --mode accompany --tempo "$BPM" --seed 3 --sessions "$WORK/sessions" \
  --stats-file "$WORK/stats.json" --precision int8
note "$(grep '^clarad: ready' "$WORK/clarad.err")"
# Bar lines every beat, so a swap waits a beat at most.
ctl set meter 1 4 || fail "clara ctl set meter 1 4: exit $?"
start_probe probe --play "$WORK/phrases.mid" --play-to clara:midi_in --record-from clara:midi_out \
  --seconds $((SWAP_SECONDS + 60)) --out "$WORK/rec.tsv"
sleep 1

ctl models >"$WORK/models.txt" || fail "clara ctl models: exit $?"
for name in piano-b flipped wrongsha chords; do
  grep -q "$name" "$WORK/models.txt" || fail "clara ctl models does not list $name: $(cat "$WORK/models.txt")"
done

# A path is refused before anything loads.
RC=0
ctl model ../models/piano-b 2>"$WORK/path.err" || RC=$?
[ "$RC" -eq 65 ] && grep -q "never a path" "$WORK/path.err" || fail "a path-like name was not refused (exit $RC): $(cat "$WORK/path.err")"

# Late events before the first swap (start-up, the meter change, the first phrase) are not the
# swaps': the swap figure is what the loop adds.
late_before=$(ctl metrics | sed -n 's/^late_events: *//p')
note "late events before the first swap: $late_before"
cycle=(piano-b flipped piano-c wrongsha piano-a chords piano-b nosuchmodel piano-c)
good=0 bad=0 i=0 last=notewise-piano
declare -A bad_by_name=()
start=$(date +%s)
while [ $(( $(date +%s) - start )) -lt "$SWAP_SECONDS" ]; do
  name=${cycle[$((i % ${#cycle[@]}))]}
  i=$((i + 1))
  RC=0
  ctl model "$name" >"$WORK/swap.out" 2>"$WORK/swap.err" || RC=$?
  case $name in
    piano-*)
      [ "$RC" -eq 0 ] || fail "switch $i to $name: exit $RC: $(cat "$WORK/swap.err")"
      grep -qx "playing $name" "$WORK/swap.out" || fail "switch $i to $name: $(cat "$WORK/swap.out")"
      good=$((good + 1))
      last=$name
      ;;
    *)
      [ "$RC" -eq 65 ] || fail "switch $i to $name was not refused (exit $RC): $(cat "$WORK/swap.out" "$WORK/swap.err")"
      case $name in
        flipped | wrongsha) why="sha256 mismatch" ;;
        chords) why="chordwise" ;;
        nosuchmodel) why="no model 'nosuchmodel'" ;;
      esac
      grep -q "$name" "$WORK/swap.err" && grep -q "$why" "$WORK/swap.err" ||
        fail "the refusal of $name does not name it and say '$why': $(cat "$WORK/swap.err")"
      bad=$((bad + 1))
      bad_by_name[$name]=$(( ${bad_by_name[$name]:-0} + 1 ))
      ;;
  esac
done
elapsed=$(( $(date +%s) - start ))
note "$((good + bad)) switches in $elapsed s: $good played, $bad refused (flipped ${bad_by_name[flipped]:-0}, wrongsha ${bad_by_name[wrongsha]:-0}, chords ${bad_by_name[chords]:-0}, nosuchmodel ${bad_by_name[nosuchmodel]:-0})"
[ "$good" -ge 10 ] || fail "only $good good switches in $elapsed s"

ctl status >"$WORK/status.txt"
grep -Eq "^model: +$last\$" "$WORK/status.txt" || fail "status does not show model $last: $(cat "$WORK/status.txt")"
[ "$(ctl get model)" = "$last" ] || fail "get model is not $last"
ctl metrics >"$WORK/metrics.txt"
grep -Eq "^model_swaps: +$good\$" "$WORK/metrics.txt" || fail "metrics model_swaps is not $good: $(grep model_swap "$WORK/metrics.txt")"
# nosuchmodel's refusals count too, and the path's does not (refused before it was a name).
grep -Eq "^model_swaps_refused: +$bad\$" "$WORK/metrics.txt" || fail "metrics model_swaps_refused is not $bad: $(grep model_swap "$WORK/metrics.txt")"
note "metrics: $(grep -E '^(model_swap|late_events|late_commit|late_cycle|late_retry|stalls|input_queue|output_queue)' "$WORK/metrics.txt" | tr -s ' ' | tr '\n' ' ')"
# The queues' high-water marks: the human's phrases went through the input queue and Clara's notes
# through the output queue, neither near full.
metric() { sed -n "s/^$1: *//p" "$WORK/metrics.txt"; }
[ "$(metric input_queue_high_water)" -ge 1 ] && [ "$(metric input_queue_high_water)" -lt "$(metric input_queue_capacity)" ] ||
  fail "input_queue_high_water $(metric input_queue_high_water) of $(metric input_queue_capacity)"
[ "$(metric output_queue_high_water)" -ge 1 ] && [ "$(metric output_queue_high_water)" -lt "$(metric output_queue_capacity)" ] ||
  fail "output_queue_high_water $(metric output_queue_high_water) of $(metric output_queue_capacity)"
sleep 2
stop_clarad
sleep 0.2
stop_probe
[ "$CLARAD_RC" -eq 0 ] || fail "clarad exited $CLARAD_RC: $(tail -n 5 "$WORK/clarad.err")"

tsv notes "$WORK/rec.tsv" 20
tsv ledger "$WORK/rec.tsv"
late=$(stat_of "$WORK/stats.json" late)
note "clarad's figures: late $late, max_late_us $(stat_of "$WORK/stats.json" max_late_us), stalls $(grep -c 'a stall' "$WORK/clarad.err" || true)"
max_late_us=$(stat_of "$WORK/stats.json" max_late_us)
# The issue's goal: no late event caused by a swap. The loop's late events are counted apart from
# start-up's; CLARA_SWAP_MAX_LATE (default 10) bounds them, since a machine busy with other work
# makes a few late with or without swaps (a 140 s run beside a training job: 5, up to 20.5 ms; the
# same test on a quiet machine: 0). CLARA_SWAP_MAX_LATE=0 checks the goal.
note "late events: $late_before before the first swap, $((late - late_before)) during and after the swaps"
[ $((late - late_before)) -le "${CLARA_SWAP_MAX_LATE:-10}" ] ||
  fail "$((late - late_before)) late events during the swaps (at most ${CLARA_SWAP_MAX_LATE:-10}; the goal is 0)"
"$PY" -c "import sys; sys.exit(0 if float(sys.argv[1]) <= 30000 else 1)" "$max_late_us" ||
  fail "an event $max_late_us us late during the swaps (at most 30 ms, about a grid step at 160 bpm)"

session=$(ls -d "$WORK"/sessions/*/ | head -n 1)
log=${session}replay.log
[ "$(grep -c ' model piano-' "$log")" -eq "$good" ] || fail "the session log holds $(grep -c ' model piano-' "$log") swaps, not $good"
grep -q ' model flipped\| model wrongsha\| model chords' "$log" && fail "a refused model is in the session log"
grep -qx "precision = 'int8'" "$log" || fail "the session log does not record precision int8: $(head -n 8 "$log")"
"$CLARA" replay "$log" --model "$PIANO" --tokens "$WORK/replayed.txt" >"$WORK/replay.out" 2>"$WORK/replay.err" ||
  fail "clara replay failed: $(cat "$WORK/replay.err")"
cmp -s "$WORK/replayed.txt" "${session}tokens.txt" || fail "clara replay's tokens differ from the session's"
grep -q "at int8" "$WORK/replay.out" || fail "clara replay did not run at the session's int8: $(cat "$WORK/replay.out")"
note "$(cat "$WORK/replay.out")"
# Without the swapped-in models, replay says which one it misses.
RC=0
CLARA_DATA_DIR=$WORK/empty "$CLARA" replay "$log" --model "$PIANO" >/dev/null 2>"$WORK/missing.err" || RC=$?
[ "$RC" -ne 0 ] && grep -q "model 'piano-" "$WORK/missing.err" || fail "replay without the models did not name the missing one (exit $RC): $(cat "$WORK/missing.err")"
echo "PASS"
