#!/usr/bin/env bash
# clara train / eval-lm / generate / baseline on a tiny model trained here from
# the mini corpus: real binary, real files, exit codes and determinism checked.
set -uo pipefail
clara=$1
data=$2
source "$(dirname "$0")/lib.sh"

"$clara" encode --corpus "$data/mini_corpus" --out "$tmp/data" --valid 0.25 --test 0.25 --seed 8 > /dev/null 2>&1
check "fixture data has train, valid and test pieces" \
  bash -c "[ -s '$tmp/data/train.txt' ] && [ -s '$tmp/data/valid.txt' ] && [ -s '$tmp/data/test.txt' ]"

"$clara" train --data "$tmp/data" --preset tiny --out "$tmp/m" --bs 4 --bptt 40 --epochs 1 --stages 1 \
  --max-iterations 40 --quiet > "$tmp/train.log" 2>&1
check "train exits 0" test $? -eq 0
for f in weights.pt model.toml vocab.txt SHA256SUMS train_log.csv loss.svg baseline.ngram; do
  check "model folder has $f" test -s "$tmp/m/$f"
done
check "SHA256SUMS covers the baseline" grep -q "  baseline.ngram$" "$tmp/m/SHA256SUMS"
check "every listed checksum is right" bash -c "cd '$tmp/m' && sha256sum --quiet -c SHA256SUMS"
check "card records the encoding and the data licence" \
  bash -c "grep -q \"encoding = 'notewise'\" '$tmp/m/model.toml' && grep -q 'license = ' '$tmp/m/model.toml'"

"$clara" eval-lm --model "$tmp/m" --data "$tmp/data/test.txt" --json > "$tmp/eval.json"
check "eval-lm --json exits 0" test $? -eq 0
check "eval-lm --json prints the six figures as one JSON object" /usr/bin/python3 -c "
import json, math, sys
d = json.load(open('$tmp/eval.json'))
keys = {'tokens', 'model_nll', 'baseline_nll', 'model_top1', 'model_top3', 'baseline_top1'}
assert set(d) == keys, d
assert d['tokens'] > 0 and all(math.isfinite(d[k]) for k in keys)
assert 0 < d['model_nll'] < 10 and 0 < d['baseline_nll'] < 10
assert 0 <= d['model_top1'] <= d['model_top3'] <= 1
"
for p in fp32 int8; do
  "$clara" eval-lm --model "$tmp/m" --data "$tmp/data/test.txt" --json --precision $p > "$tmp/eval_$p.json"
  check "eval-lm --precision $p exits 0" test $? -eq 0
done
check "eval-lm through the fp32 step matches the module; int8 within 1 % of it" /usr/bin/python3 -c "
import json
m, f, q = (json.load(open('$tmp/' + n + '.json')) for n in ('eval', 'eval_fp32', 'eval_int8'))
assert f['precision'] == 'fp32' and q['precision'] == 'int8', (f, q)
assert m['tokens'] == f['tokens'] == q['tokens']
assert abs(f['model_nll'] - m['model_nll']) < 1e-4 * m['model_nll'], (m, f)
assert abs(q['model_nll'] - f['model_nll']) <= 0.01 * f['model_nll'], (f, q)
"
check "eval-lm --precision fp16 is a usage error (64)" \
  test "$(rc_of "$clara" eval-lm --model "$tmp/m" --data "$tmp/data/test.txt" --precision fp16)" -eq 64
"$clara" eval-lm --model "$tmp/m" --data "$tmp/data/test.txt" > "$tmp/eval.txt"
check "eval-lm table shows model and baseline" \
  bash -c "grep -q 'model (AWD-LSTM)' '$tmp/eval.txt' && grep -q 'baseline (KN 5-gram)' '$tmp/eval.txt'"

"$clara" generate --model "$tmp/m" --prompt "$data/mini_corpus/Bach/BWV-510.mid" --length 120 --seed 7 \
  --out "$tmp/a.mid" --tokens "$tmp/a.txt" > /dev/null
check "generate writes MIDI and tokens" bash -c "[ -s '$tmp/a.mid' ] && [ -s '$tmp/a.txt' ]"
"$clara" generate --model "$tmp/m" --prompt "$data/mini_corpus/Bach/BWV-510.mid" --length 120 --seed 7 \
  --out "$tmp/b.mid" --tokens "$tmp/b.txt" > /dev/null
check "same model, prompt and seed: identical tokens" cmp -s "$tmp/a.txt" "$tmp/b.txt"
"$clara" generate --model "$tmp/m" --prompt "$data/mini_corpus/Bach/BWV-510.mid" --length 120 --seed 8 \
  --policy temperature --out "$tmp/c.mid" --tokens "$tmp/c.txt" > /dev/null
check "another seed and policy: other tokens" bash -c "! cmp -s '$tmp/a.txt' '$tmp/c.txt'"
for run in 1 2; do
  "$clara" generate --model "$tmp/m" --prompt "$data/mini_corpus/Bach/BWV-510.mid" --length 120 --seed 7 \
    --precision int8 --out "$tmp/q$run.mid" --tokens "$tmp/q$run.txt" > "$tmp/q$run.log"
done
check "generate --precision int8 writes tokens and is repeatable" \
  bash -c "[ -s '$tmp/q1.txt' ] && cmp -s '$tmp/q1.txt' '$tmp/q2.txt' && grep -q 'int8 as requested' '$tmp/q1.log'"
"$clara" decode "$tmp/a.txt" --encoding notewise --out "$tmp/a2.mid" > /dev/null
check "generated tokens decode" test -s "$tmp/a2.mid"

(cd "$tmp" && "$clara" demo --offline --model "$tmp/m" --duet "$tmp/duet.mid" > demo.log)
check "demo continues the sample with the given model" grep -q "m continued it with 400 tokens" "$tmp/demo.log"
check "demo writes the piece and Clara's part on their own tracks" /usr/bin/python3 -c "
import mido
names = [n.name for t in mido.MidiFile('$tmp/duet.mid').tracks for n in t if n.type == 'track_name']
assert 'human' in names and any(n.startswith('Clara (m)') for n in names), names
"
check "demo without the named model still round-trips and says so" \
  bash -c "cd '$tmp' && '$clara' demo --offline --model no-such-model | grep -q 'no model to continue with'"

check "temperature outside 0.05..5 -> 64" \
  test "$(rc_of "$clara" generate --model "$tmp/m" --out "$tmp/x.mid" --temperature 0)" -eq 64
check "random-freq outside [0,1] -> 64" \
  test "$(rc_of "$clara" generate --model "$tmp/m" --out "$tmp/x.mid" --random-freq 1.5)" -eq 64
check "unknown model -> 66" test "$(rc_of "$clara" generate --model no-such-model --out "$tmp/x.mid")" -eq 66

# A damaged model is refused with the file and the check named, never a crash.
cp -r "$tmp/m" "$tmp/bad"
printf '\x00' | dd of="$tmp/bad/weights.pt" bs=1 seek=100 conv=notrunc status=none
"$clara" generate --model "$tmp/bad" --out "$tmp/x.mid" > /dev/null 2> "$tmp/bad.err"
check "corrupted weights -> 65" test $? -eq 65
check "the error names weights.pt and the sha256 check" grep -q "weights.pt: sha256 mismatch" "$tmp/bad.err"

rm "$tmp/m/baseline.ngram"
check "eval-lm without a baseline -> 65 (unlisted files also refused)" \
  test "$(rc_of "$clara" eval-lm --model "$tmp/m" --data "$tmp/data/test.txt")" -eq 65
"$clara" baseline --model "$tmp/m" --data "$tmp/data" > /dev/null
check "clara baseline rebuilds it and eval-lm works again" \
  test "$(rc_of "$clara" eval-lm --model "$tmp/m" --data "$tmp/data/test.txt")" -eq 0
exit $fail
