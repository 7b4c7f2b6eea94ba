#!/usr/bin/env bash
# `clara demo` as a new user runs it: no JACK server running, no MIDI hardware. It must start its
# own dummy server and clarad, play the phrase, get Clara's answer back, write the duet file,
# picture and (with a SoundFont) audio, print its figures, and leave nothing running behind it.
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
# clarad ran at the sample's tempo and metre (105 bpm, 3/4), not at its own defaults (120, 4/4):
# the duet file's grid is clarad's, and the demo says so.
"$PY" - "$WORK/demo-duet.mid" "$SRC/tools/samples/anna-magdalena-20a.mid" <<'PY' || fail "the demo did not run clarad at the sample's tempo and metre"
import sys, mido
def first(path):
    m = mido.MidiFile(path)
    tempo = next(e.tempo for t in m.tracks for e in t if e.type == 'set_tempo')
    ts = next(((e.numerator, e.denominator) for t in m.tracks for e in t if e.type == 'time_signature'), (4, 4))
    return round(mido.tempo2bpm(tempo), 2), ts
duet, sample = first(sys.argv[1]), first(sys.argv[2])
print("duet", duet, "sample", sample)
assert duet == sample and sample != (120.0, (4, 4)), (duet, sample)
PY
grep -q "ready in [0-9]* ms at 105 bpm in 3/4" demo.out || fail "the demo did not say it runs clarad at 105 bpm in 3/4"
# The picture (its pixels are checked in tests/core/render/piano_roll_test.cpp) and the sound.
"$PY" -c "import sys; sys.exit(open('demo-duet.png', 'rb').read(8) != b'\x89PNG\r\n\x1a\n')" ||
  fail "demo-duet.png is not a PNG"
grep -q "piano roll -> demo-duet.png" demo.out || fail "the demo did not name its picture"
font=/usr/share/sounds/sf2/FluidR3_GM.sf2
if [ -e "$font" ]; then
  grep -q "listen: demo-duet.wav" demo.out || fail "a SoundFont is installed but the demo rendered no audio"
  "$PY" - demo-duet.wav <<'PY' || fail "demo-duet.wav is not a stereo WAV with sound in it"
import array, math, sys, wave
w = wave.open(sys.argv[1])
a = array.array('h', w.readframes(w.getnframes()))
rms = math.sqrt(sum(x * x for x in a) / max(1, len(a))) / 32768
print('demo-duet.wav: %.1f s, rms %.4f' % (w.getnframes() / w.getframerate(), rms))
assert w.getnchannels() == 2 and w.getnframes() > w.getframerate() and rms > 0.003
PY
else
  [ "${CI:-}" = true ] && fail "$font is missing (CI=true: install fluid-soundfont-gm)"
  grep -q "no demo-duet.wav: no SoundFont found (looked at $font" demo.out ||
    fail "without a SoundFont the demo must say where it looked"
fi

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
