#!/usr/bin/env bash
# clara encode --encoding chamber on files whose parts names and programs cannot place:
# the solo is found by content, every decision lands in the manifest, an undecidable
# file is skipped with its reason, and a named file is still placed by name.
set -uo pipefail
clara=$1
data=$2
source "$(dirname "$0")/lib.sh"

"$clara" encode --corpus "$data/chamber_parts" --encoding chamber --out "$tmp/out" > "$tmp/log" 2>&1
check "chamber encode exits 0" test $? -eq 0
check "2 of 3 files encoded" grep -q "^encoded 2 of 3 files" "$tmp/log"
check "summary counts the file placed by content" grep -q "parts found by content .* in 1 files" "$tmp/log"
check "the unclear file is skipped, saying content cannot decide" \
  grep -q "unclear/two_lines.mid: .*needs a part for 'v'.*content cannot decide: .*both monophonic lines" "$tmp/log"

# The manifest read as TOML, not grepped: each decision with its basis and figures.
/usr/bin/python3 - "$tmp/out/manifest.toml" > "$tmp/manifest.txt" 2>&1 <<'PY'
import sys, tomllib
m = tomllib.load(open(sys.argv[1], 'rb'))
files = {f['path']: f for f in m['files']}
for path in sorted(files):
    for p in files[path]['parts']:
        print(path, 'part', p['part'], 'track', p['track'], 'to', p['to'], 'by', p['by'])
    if 'content' in files[path]:
        c = files[path]['content']
        print(path, 'solo', c['solo'], 'figures', len(c['figures']), 'decision', c['decision'])
        for f in c['figures']:
            print(path, 'figure part', f['part'], 'polyphony', f['polyphony'], 'mean', f['mean_pitch'],
                  'range', f['lowest'], f['highest'], 'onsets/quarter', f['onsets_per_quarter'])
for s in m['skipped']:
    print('skipped', s['path'], 'content' in s, s['reason'])
    if 'content' in s:
        print('skipped', s['path'], 'figures', len(s['content']['figures']), 'solo', s['content']['solo'])
PY
check "manifest parses" test $? -eq 0
cat "$tmp/manifest.txt"
m=$tmp/manifest.txt
check "unnamed file: the last track's line went to v by content" \
  grep -q "^unnamed/line_over_chords.mid part 2 track 3 to v by content$" "$m"
check "unnamed file: both piano tracks went to p by content" \
  bash -c "grep -q '^unnamed/line_over_chords.mid part 0 track 1 to p by content$' '$m' &&
           grep -q '^unnamed/line_over_chords.mid part 1 track 2 to p by content$' '$m'"
check "unnamed file: the decision names the solo and has one figure row per part" \
  grep -q "^unnamed/line_over_chords.mid solo 2 figures 3 decision by content: part 2" "$m"
check "unnamed file: the line's figures (monophonic, G4..D5, one onset a quarter)" \
  grep -q "^unnamed/line_over_chords.mid figure part 2 polyphony 0.0 mean 70.63 range 67 74 onsets/quarter 1.0$" "$m"
check "named file: Violin by name, the rest by program, no content consulted" \
  bash -c "grep -q '^named/violin_over_chords.mid part 0 track 1 to v by name$' '$m' &&
           grep -q '^named/violin_over_chords.mid part 1 track 2 to p by program$' '$m' &&
           ! grep -q '^named/violin_over_chords.mid solo' '$m'"
check "skipped file: reason and figures in the manifest, no solo" \
  bash -c "grep -q '^skipped unclear/two_lines.mid True .*content cannot decide' '$m' &&
           grep -q '^skipped unclear/two_lines.mid figures 4 solo -1$' '$m'"

# One file: tokens on stdout, the decision on stderr.
"$clara" encode "$data/chamber_parts/unnamed/line_over_chords.mid" --encoding chamber > "$tmp/one.txt" 2> "$tmp/one.err"
check "single unnamed file encodes, solo tokens present" grep -qE '(^| )v[0-9]+ ' "$tmp/one.txt"
check "single unnamed file: the decision on stderr" grep -q "line_over_chords.mid: by content: part 2" "$tmp/one.err"
"$clara" encode "$data/chamber_parts/named/violin_over_chords.mid" --encoding chamber > /dev/null 2> "$tmp/named.err"
check "single named file: nothing on stderr" test ! -s "$tmp/named.err"
"$clara" encode "$data/chamber_parts/unclear/two_lines.mid" --encoding chamber > /dev/null 2> "$tmp/unclear.err"
rc=$?
check "single unclear file: exit 65 (bad input data) with the content reason" \
  bash -c "[ $rc -eq 65 ] && grep -q 'content cannot decide' '$tmp/unclear.err'"

# The piano encoding places nothing: no parts rows.
"$clara" encode --corpus "$data/chamber_parts" --encoding notewise --out "$tmp/piano" > /dev/null 2>&1
check "notewise manifest has no parts rows" /usr/bin/python3 -c "
import sys, tomllib
m = tomllib.load(open('$tmp/piano/manifest.toml', 'rb'))
sys.exit(1 if len(m['files']) != 3 or any('parts' in f or 'content' in f for f in m['files']) else 0)"
exit $fail
