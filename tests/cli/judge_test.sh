#!/usr/bin/env bash
# The judging models end to end on the mini corpus: clara train-composer and train-critic
# (tiny sizes), clara evaluate with them (deterministic for a seed), clara generate
# --candidates ranked by the critic, and the errors a user meets.
set -uo pipefail
clara=$1
data=$2
source "$(dirname "$0")/lib.sh"

corpus="$data/mini_corpus"
shipped="$data/../../models/notewise-piano"
if [ ! -s "$shipped/weights.pt" ]; then echo "skip: no shipped notewise-piano model"; exit 77; fi
model_without_manifest "$shipped" "$tmp/gen"
tiny=(--emb 16 --hidden 24 --layers 1 --sample-tokens 64 --bs 8 --threads 1 --quiet)

"$clara" train-composer --model "$tmp/gen" --corpus "$corpus" --out "$tmp/composer" --classes 2 \
  --epochs 2 --samples-per-epoch 64 "${tiny[@]}" > "$tmp/comp.txt" 2>&1
check "train-composer exits 0" test $? -eq 0
check "two classes, chosen by pieces, with a confusion matrix per epoch" \
  bash -c "grep -q 'classes (the 2 composers with the most training pieces' '$tmp/comp.txt' && [ \$(grep -c 'rows: true class' '$tmp/comp.txt') -ge 2 ]"
check "test figures of the network and of the features baseline" \
  bash -c "grep -q '^test chunks (network): accuracy' '$tmp/comp.txt' && grep -q '^test pieces (network' '$tmp/comp.txt' && grep -q '^test chunks (pitch-class + note-statistics baseline)' '$tmp/comp.txt'"
check "the composer folder is sealed, held-out figures included" \
  bash -c "cd '$tmp/composer' && sha256sum -c --quiet SHA256SUMS && grep -q held-out.json SHA256SUMS && grep -q \"kind = 'composer'\" classifier.toml"

"$clara" train-critic --model "$tmp/gen" --corpus "$corpus" --out "$tmp/critic" --generators "$tmp/gen" \
  --generated 64 --held-out-samples 16 --prompt-tokens 16 --epochs 2 --samples-per-epoch 64 "${tiny[@]}" \
  > "$tmp/crit.txt" 2>&1
check "train-critic exits 0" test $? -eq 0
check "every generated sample is in the manifest with its policy and seed" /usr/bin/python3 -c "
import csv
rows = list(csv.DictReader(open('$tmp/critic/generated-samples.tsv'), delimiter='\t'))
by = {}
for r in rows: by[r['split']] = by.get(r['split'], 0) + 1
assert by == {'train': 64, 'valid': 16, 'test': 16}, by
assert all(r['generator'] == 'gen' and r['policy'] in ('top-p', 'temperature', 'top-k', 'seed') for r in rows)
assert all(0.8 <= float(r['temperature']) <= 1.2 for r in rows)
assert len({r['seed'] for r in rows}) == len(rows)
"
check "the critic reports its judged-human rate per generator" grep -q 'gen: [0-9]* of 16 test samples judged human' "$tmp/crit.txt"

for run in 1 2; do
  "$clara" evaluate --model "$tmp/gen" --corpus "$corpus" --critic "$tmp/critic" --composer "$tmp/composer" \
    --samples 6 --phrases 2 --resamples 50 --seed 5 --threads 1 --json "$tmp/e$run.json" \
    --markdown "$tmp/e$run.md" > "$tmp/e$run.txt" 2> "$tmp/e$run.err"
  check "evaluate run $run exits 0" test $? -eq 0
done
check "evaluate: same seed, same figures" cmp -s "$tmp/e1.json" "$tmp/e2.json"
check "evaluate prints and writes the Markdown report" cmp -s "$tmp/e1.txt" "$tmp/e1.md"
check "evaluate's JSON holds every section" /usr/bin/python3 -c "
import json
d = json.load(open('$tmp/e1.json'))
lm = d['language_model']
assert lm['nll'] > 0 and 0 <= lm['top1'] <= 1 and lm['baseline_nll'] > 0, lm
c = d['critic']
assert 0 <= c['generated_judged_human'] <= 1 and 0 <= c['human_judged_human'] <= 1, c
i = d['inception_score']
assert 1 <= i['generated'] <= 2 and 1 <= i['human'] <= 2, i  # two classes
assert i['generated_ci95'][0] <= i['generated'] <= i['generated_ci95'][1], i
assert abs(sum(i['generated_composer_mean']) - 1) < 1e-9 and sum(i['generated_composer_top']) == 6, i
assert d['generations']['samples'] == 6 and d['generations']['tokens_each'] == 64
# The mini corpus has one test piece: coherence needs two (the random passage), and says so.
assert 'random baseline needs two' in d['coherence']['not_measured'], d['coherence']
m = d['music']
assert m['generated']['density_notes_per_beat'] > 0 and 0 <= m['pitch_class_js_bits'] <= 1, m
"
"$clara" evaluate --model "$tmp/gen" --corpus "$corpus" --critic "$tmp/critic" --composer "$tmp/composer" \
  --samples 4 --split held-out --resamples 50 --seed 5 --threads 1 --json "$tmp/h.json" > "$tmp/h.txt" 2>&1
check "evaluate --split held-out takes the valid pieces too" /usr/bin/python3 -c "
import json
d = json.load(open('$tmp/h.json')); e = json.load(open('$tmp/e1.json'))
assert d['held_out']['split'] == 'held-out' and e['held_out']['split'] == 'test'
assert d['held_out']['pieces'] > e['held_out']['pieces'], (d['held_out'], e['held_out'])
assert d['held_out']['human_passages'] > e['held_out']['human_passages']
"
"$clara" evaluate --model "$tmp/gen" --corpus "$corpus" --critic "$tmp/composer" --composer "$tmp/composer" \
  > /dev/null 2> "$tmp/kind.err"
check "evaluate: a composer classifier given as critic is exit 65 naming it" \
  bash -c "[ $? -eq 65 ] && grep -q 'not a critic' '$tmp/kind.err'"

"$clara" generate --model "$tmp/gen" --out "$tmp/best.mid" --length 80 --candidates 4 --critic "$tmp/critic" \
  --seed 9 --tokens "$tmp/best.txt" > "$tmp/gen.txt" 2>&1
check "generate --candidates exits 0 and lists every candidate's score" \
  bash -c "[ $? -eq 0 ] && grep -q 'best of 4 by critic: candidate' '$tmp/gen.txt' && [ \$(grep -o '#[1-4] [0-9]* %' '$tmp/gen.txt' | wc -l) -eq 4 ]"
"$clara" generate --model "$tmp/gen" --out "$tmp/again.mid" --length 80 --candidates 4 --critic "$tmp/critic" \
  --seed 9 --tokens "$tmp/again.txt" > /dev/null 2>&1
check "generate --candidates: same seed, same choice" cmp -s "$tmp/best.txt" "$tmp/again.txt"
check "the kept continuation is 80 tokens" test "$(wc -w < "$tmp/best.txt")" -eq 80
check "generate --candidates 2 --length 10: too short for the critic, exit 64" \
  test "$(rc_of "$clara" generate --model "$tmp/gen" --out "$tmp/x.mid" --length 10 --candidates 2 --critic "$tmp/critic")" -eq 64
check "--critic without --candidates is exit 64" \
  test "$(rc_of "$clara" generate --model "$tmp/gen" --out "$tmp/x.mid" --critic "$tmp/critic")" -eq 64
check "train-composer without --corpus is exit 64" \
  test "$(rc_of "$clara" train-composer --model "$tmp/gen" --out "$tmp/y")" -eq 64
check "train-critic with a missing corpus is exit 66" \
  test "$(rc_of "$clara" train-critic --model "$tmp/gen" --corpus "$tmp/nothing" --out "$tmp/y")" -eq 66
echo x >> "$tmp/critic/weights.pt"
"$clara" generate --model "$tmp/gen" --out "$tmp/x.mid" --length 80 --candidates 2 --critic "$tmp/critic" > /dev/null 2> "$tmp/bad.err"
check "a changed critic is exit 65 naming its weights" bash -c "[ $? -eq 65 ] && grep -q 'weights.pt: sha256 mismatch' '$tmp/bad.err'"
exit $fail
