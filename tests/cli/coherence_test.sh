#!/usr/bin/env bash
# clara coherence with the shipped notewise-piano model on the mini corpus: the table and the
# JSON, determinism for a seed, the held-out choice (manifest and recomputed split), clear errors.
set -uo pipefail
clara=$1
data=$2
source "$(dirname "$0")/lib.sh"

corpus="$data/mini_corpus"
shipped="$data/../../models/notewise-piano"
if [ ! -s "$shipped/weights.pt" ]; then echo "skip: no shipped notewise-piano model"; exit 77; fi
model_without_manifest "$shipped" "$tmp/m"
"$clara" encode --corpus "$corpus" --out "$tmp/data" > /dev/null 2>&1  # the split defaults
check "fixture split encodes" test -s "$tmp/data/manifest.toml"

files="$corpus/Bach/BWV-510.mid,$corpus/Bach/BWV-511.mid,$corpus/Czerny/Czerny_Op_821_No_002.mid"
for run in 1 2; do
  "$clara" coherence --model "$tmp/m" --files "$files" "$corpus/Czerny/Czerny_Op_821_No_007.mid" \
    --phrase-beats 8 --seed 3 --resamples 200 --json "$tmp/c$run.json" > "$tmp/c$run.txt" 2> "$tmp/c$run.err"
  check "coherence run $run exits 0" test $? -eq 0
done
check "the table has Clara and both baselines" \
  bash -c "grep -q \"Clara's answer\" '$tmp/c1.txt' && grep -q 'true continuation' '$tmp/c1.txt' && grep -q 'random passage' '$tmp/c1.txt' && grep -q 'key same or closely related' '$tmp/c1.txt'"
check "same seed: identical JSON" cmp -s "$tmp/c1.json" "$tmp/c2.json"
check "the JSON holds a summary per column and a row per phrase" /usr/bin/python3 -c "
import json
d = json.load(open('$tmp/c1.json'))
assert d['seed'] == 3 and d['phrase_beats'] == 8 and d['answer_beats'] == 8, d
rows = d['rows']
assert len(rows) == 4, len(rows)
for r in rows:
    assert r['random_piece'] != r['piece'], r
    assert 0 <= r['random_offset_beats'], r
    for side in ('clara', 'human', 'random'):
        s = r[side]
        assert s['pc_distance'] is None or 0 <= s['pc_distance'] <= 1, s
        assert s['density'] >= 0
for side in ('clara', 'human', 'random'):
    s = d['summary'][side]
    assert s['phrases'] == 4
    lo, hi = s['related_key_ci95']
    assert 0 <= lo <= s['related_key_rate'] <= hi <= 1, s
    assert abs(s['related_key_rate'] - sum(r[side]['related_key'] for r in rows) / 4) < 1e-12
"
"$clara" coherence --model "$tmp/m" --files "$files" --phrase-beats 8 --seed 4 --resamples 200 \
  --samples 2 --json "$tmp/c3.json" > /dev/null 2>&1
check "--samples 2 takes the first two pieces" /usr/bin/python3 -c "
import json
d = json.load(open('$tmp/c3.json'))
assert [r['piece'] for r in d['rows']] == ['$corpus/Bach/BWV-510.mid', '$corpus/Bach/BWV-511.mid'], d['rows']
"

# Held-out pieces from the corpus: recomputed as encode splits it (the model folder has no
# data manifest), then from the manifest once the folder carries one.
"$clara" coherence --model "$tmp/m" --corpus "$corpus" --split held-out --phrase-beats 8 \
  --resamples 50 --json "$tmp/h.json" > "$tmp/h.txt" 2>&1
check "--corpus without a manifest: encode's split" /usr/bin/python3 -c "
import json, tomllib
d = json.load(open('$tmp/h.json'))
m = tomllib.load(open('$tmp/data/manifest.toml', 'rb'))
held = sorted(f['path'] for f in m['files'] if f['split'] != 'train')
assert 'split as' in d['pieces_from'], d['pieces_from']
assert d['pieces_read'] == len(held), (d['pieces_read'], held)
"
cp -r "$tmp/m" "$tmp/m2"
cp "$tmp/data/manifest.toml" "$tmp/m2/data-manifest.toml"
(cd "$tmp/m2" && sha256sum $(ls | grep -v '^SHA256SUMS$') > SHA256SUMS)
"$clara" coherence --model "$tmp/m2" --corpus "$corpus" --split held-out --phrase-beats 8 \
  --resamples 50 --json "$tmp/h2.json" > /dev/null 2>&1
check "--corpus with a manifest: its held-out pieces" /usr/bin/python3 -c "
import json
a, b = json.load(open('$tmp/h.json')), json.load(open('$tmp/h2.json'))
assert 'data-manifest.toml' in b['pieces_from'], b['pieces_from']
assert [r['piece'] for r in a['rows']] == [r['piece'] for r in b['rows']]
"

check "neither --corpus nor --files -> 64" test "$(rc_of "$clara" coherence --model "$tmp/m")" -eq 64
check "both -> 64" test "$(rc_of "$clara" coherence --model "$tmp/m" --corpus "$corpus" --files "$files")" -eq 64
check "a missing file -> 66" test "$(rc_of "$clara" coherence --model "$tmp/m" --files "$tmp/none.mid")" -eq 66
check "--phrase-beats 0 -> 64" \
  test "$(rc_of "$clara" coherence --model "$tmp/m" --files "$files" --phrase-beats 0)" -eq 64
"$clara" coherence --model "$tmp/m" --files "$files" --phrase-beats 200 > /dev/null 2> "$tmp/short.err"
check "pieces too short -> 65" test $? -eq 65
check "... saying why" grep -q "the random baseline needs two" "$tmp/short.err"

# The key-keeping bias: clarad's 1.5 by default, --key-keeping K sets it (0 = the model alone),
# out of [0, 16] refused.
check "the default run says key_keeping 1.5" /usr/bin/python3 -c "
import json
d = json.load(open('$tmp/c1.json'))
assert d['key_keeping'] == 1.5 and 'key_keeping 1.5' in d['sampling'], d['sampling']
"
"$clara" coherence --model "$tmp/m" --files "$files" "$corpus/Czerny/Czerny_Op_821_No_007.mid" \
  --phrase-beats 8 --seed 3 --resamples 200 --key-keeping 0 --json "$tmp/k0.json" > /dev/null 2>&1
check "--key-keeping 0 runs and is recorded" /usr/bin/python3 -c "
import json
d = json.load(open('$tmp/k0.json'))
assert d['key_keeping'] == 0, d['key_keeping']
"
check "--key-keeping 0 answers otherwise than 1.5" /usr/bin/python3 -c "
import json
a, b = json.load(open('$tmp/c1.json')), json.load(open('$tmp/k0.json'))
assert [r['clara'] for r in a['rows']] != [r['clara'] for r in b['rows']]
"
check "--key-keeping -1 -> 64" \
  test "$(rc_of "$clara" coherence --model "$tmp/m" --files "$files" --key-keeping -1)" -eq 64
check "--key-keeping 17 -> 64" \
  test "$(rc_of "$clara" coherence --model "$tmp/m" --files "$files" --key-keeping 17)" -eq 64
exit $fail
