#!/usr/bin/env bash
# Every shipped model, run on its defaults (`clara generate --model M` and nothing else but the
# length), writes a playable piece: dozens of notes, each note-on with its note-off. This is
# what the card's [sampling] is for: chordwise-piano's old default (the top choice) repeated
# the all-rest chord and wrote no notes at all.
set -uo pipefail
clara=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$(dirname "$0")/lib.sh"

models=()
for d in "$repo"/models/*/; do [ -f "$d/model.toml" ] && models+=("$(basename "$d")"); done
check "models are shipped" test "${#models[@]}" -ge 1
for m in "${models[@]}"; do
  check "$m card says how it samples" grep -q '^\[sampling\]' "$repo/models/$m/model.toml"
  (cd "$tmp" && "$clara" generate --model "$repo/models/$m" --length 400 --out "$tmp/$m.mid" > "$tmp/$m.log" 2>&1)
  check "$m generates on its defaults" test $? -eq 0
  check "$m says the sampling came from its card" grep -q "model card" "$tmp/$m.log"
  check "$m: at least 24 notes, every note-on ended, on its defaults" /usr/bin/python3 -c "
import collections, mido, sys
sounding = collections.Counter(); ons = 0; stray = 0
for track in mido.MidiFile('$tmp/$m.mid').tracks:
    for msg in track:
        if msg.type == 'note_on' and msg.velocity > 0:
            ons += 1; sounding[(msg.channel, msg.note)] += 1
        elif msg.type in ('note_off', 'note_on'):
            key = (msg.channel, msg.note)
            if sounding[key] > 0: sounding[key] -= 1
            else: stray += 1
left = sum(sounding.values())
print('   $m: %d notes, %d left sounding, %d stray note-offs' % (ons, left, stray))
sys.exit(0 if ons >= 24 and left == 0 and stray == 0 else 1)
"
done

# Flags still beat the card: the seed policy's top choice is the old chordwise default.
if [ -d "$repo/models/chordwise-piano" ]; then
  "$clara" generate --model "$repo/models/chordwise-piano" --length 400 --policy seed --top-k 1 --random-freq 0 \
    --out "$tmp/flags.mid" > "$tmp/flags.log" 2>&1
  check "flags override the card (and the sampling line says so)" \
    grep -q "seed top-1 0 of the time at T 1, card and flags" "$tmp/flags.log"
fi
exit $fail
