#!/usr/bin/env bash
# clara render driven as a user would: a WAV of the right length, not silent, that changes with the
# instrument program; SoundFont search and every error's exit code. Needs Debian's
# fluid-soundfont-gm: skipped without it (exit 77), a failure under CI=true.
set -uo pipefail
clara=$1
data=$2
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3  # Debian's, with python3-mido
font=/usr/share/sounds/sf2/FluidR3_GM.sf2
if [ ! -e "$font" ]; then
  if [ "${CI:-}" = true ]; then echo "FAIL $font is missing (CI=true: install fluid-soundfont-gm)"; exit 1; fi
  echo "SKIP: $font is not installed (fluid-soundfont-gm)"; exit 77
fi
piece=$data/mini_corpus/Bach/BWV-510.mid

# Length: from mido's own reading of the file (last note-off in seconds through its tempo map) plus
# the 2 s tail, at the chosen rate; not silent (RMS over -50 dBFS).
"$clara" render "$piece" --out "$tmp/a.wav" --sample-rate 22050 > "$tmp/a.log"
check "render exits 0 and names the font it used" grep -q "with $font -> .*a.wav" "$tmp/a.log"
wav_facts() {  # wav_facts FILE: "channels rate frames rms"
  "$PY" - "$1" <<'PY'
import array, math, sys, wave
w = wave.open(sys.argv[1])
a = array.array('h', w.readframes(w.getnframes()))
rms = math.sqrt(sum(x * x for x in a) / max(1, len(a))) / 32768
print(w.getnchannels(), w.getframerate(), w.getnframes(), '%.6f' % rms)
PY
}
read -r channels rate frames rms < <(wav_facts "$tmp/a.wav")
end=$("$PY" -c "
import mido, sys
t = last = 0.0
for m in mido.MidiFile('$piece'):
    t += m.time
    if m.type == 'note_off' or (m.type == 'note_on' and m.velocity == 0): last = t
print(last)")
check "stereo at 22050 Hz" test "$channels $rate" = "2 22050"
check "length = last note-off ($end s) + 2 s tail at 22050 Hz (got $frames frames)" "$PY" -c "
import sys; sys.exit(0 if abs($frames - round(($end + 2.0) * 22050)) <= 1 else 1)"
check "not silent (RMS $rms > 0.003)" "$PY" -c "import sys; sys.exit(0 if $rms > 0.003 else 1)"

"$clara" render "$piece" --out "$tmp/short.wav" --sample-rate 22050 --tail 0.5 > /dev/null
read -r _ _ short _ < <(wav_facts "$tmp/short.wav")
check "--tail 0.5 is 1.5 s shorter" test $((frames - short)) -eq $((3 * 22050 / 2))

# The program in the file is the one heard: the same notes as piano (0) and violin (40).
"$clara" encode "$piece" > "$tmp/t.txt"
"$clara" decode "$tmp/t.txt" --program 0 --out "$tmp/p0.mid" > /dev/null
"$clara" decode "$tmp/t.txt" --program 40 --out "$tmp/p40.mid" > /dev/null
"$clara" render "$tmp/p0.mid" --out "$tmp/p0.wav" --sample-rate 22050 > /dev/null
"$clara" render "$tmp/p40.mid" --out "$tmp/p40.wav" --sample-rate 22050 > /dev/null
"$clara" render "$tmp/p0.mid" --out "$tmp/p0b.wav" --sample-rate 22050 > /dev/null
check "the same file renders to the same bytes" cmp -s "$tmp/p0.wav" "$tmp/p0b.wav"
check "violin differs from piano (difference RMS over a quarter of the piano's)" "$PY" - "$tmp/p0.wav" "$tmp/p40.wav" <<'PY'
import array, math, sys, wave
def samples(p):
    w = wave.open(p)
    return array.array('h', w.readframes(w.getnframes()))
a, b = samples(sys.argv[1]), samples(sys.argv[2])
assert len(a) == len(b), (len(a), len(b))
ra = math.sqrt(sum(x * x for x in a) / len(a))
d = math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b)) / len(a))
print('piano rms %.0f, difference rms %.0f' % (ra, d))
sys.exit(0 if d > ra / 4 else 1)
PY

# Tokens are decoded first.
"$clara" render "$tmp/t.txt" --out "$tmp/t.wav" --sample-rate 22050 > "$tmp/t.log"
check "render of a token file exits 0 with the piece's 107 notes" grep -q "(107 notes)" "$tmp/t.log"

expect() {  # expect CODE PATTERN DESCRIPTION -- ARGS... (env in EXPECT_ENV)
  local code=$1 pattern=$2 what=$3; shift 4
  local rc=0
  env ${EXPECT_ENV:-} "$clara" "$@" > /dev/null 2> "$tmp/err" || rc=$?
  if [ "$rc" -eq "$code" ] && grep -qE -- "$pattern" "$tmp/err"; then echo "ok   $what"
  else echo "FAIL $what (exit $rc, stderr: $(cat "$tmp/err"))"; fail=1; fi
}
expect 66 "nowhere.mid: no such file" "missing piece: 66, named" -- render "$tmp/nowhere.mid" --out "$tmp/x.wav"
expect 65 "truncated.mid: byte [0-9]+: " "malformed MIDI: 65, file and byte named" -- \
  render "$data/mini_corpus/Broken/truncated.mid" --out "$tmp/x.wav"
expect 64 "x.mp3': clara render writes WAV files" "not a .wav output: 64" -- render "$piece" --out "$tmp/x.mp3"
expect 64 "sample-rate" "sample rate out of range: 64" -- render "$piece" --out "$tmp/x.wav" --sample-rate 4000
expect 66 "nofont.sf2: no such SoundFont" "missing --soundfont: 66, named" -- \
  render "$piece" --out "$tmp/x.wav" --soundfont "$tmp/nofont.sf2"
expect 65 "BWV-510.mid: not a SoundFont" "a MIDI file as --soundfont: 65, named" -- \
  render "$piece" --out "$tmp/x.wav" --soundfont "$piece"
EXPECT_ENV="CLARA_SOUNDFONT_PATH=$tmp/fonts:$tmp/gm.sf2" expect 66 \
  "no SoundFont found \(looked at $tmp/fonts, $tmp/gm.sf2\)" "no font anywhere: 66, naming where it looked" -- \
  render "$piece" --out "$tmp/x.wav"
mkdir "$tmp/fonts" && ln -s "$font" "$tmp/fonts/any.sf2"
env "CLARA_SOUNDFONT_PATH=$tmp/fonts" "$clara" render "$piece" --out "$tmp/x.wav" > "$tmp/env.log" 2>&1
check "CLARA_SOUNDFONT_PATH folders are searched" grep -q "with $tmp/fonts/any.sf2" "$tmp/env.log"
expect 73 "nodir/y.wav: cannot create" "unwritable output: 73" -- render "$piece" --out "$tmp/nodir/y.wav"

exit $fail
