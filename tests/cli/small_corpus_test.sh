#!/usr/bin/env bash
# A small corpus still validates: `clara encode --corpus` on the 5-file mini corpus (4 readable
# pieces) keeps a piece in valid and one in test at the default 5 % fractions, fewer than three
# pieces warn with the count, and a model trained on it has a real valid loss, never a nan.
set -uo pipefail
clara=$1
data=$2
source "$(dirname "$0")/lib.sh"
pieces() { grep -c . "$1" 2>/dev/null || true; }

"$clara" encode --corpus "$data/mini_corpus" --out "$tmp/data" > "$tmp/encode.log" 2> "$tmp/encode.err"
check "encode exits 0" test $? -eq 0
check "valid holds one piece at the default fractions" test "$(pieces "$tmp/data/valid.txt")" -ge 1
check "test holds one piece at the default fractions" test "$(pieces "$tmp/data/test.txt")" -ge 1
check "train keeps the rest (12 keys of each training piece)" test "$(pieces "$tmp/data/train.txt")" -ge 12
check "no warning with four pieces" bash -c "! grep -q warning '$tmp/encode.err'"
check "the manifest puts every piece in exactly one split" /usr/bin/python3 -c "
import tomllib
m = tomllib.load(open('$tmp/data/manifest.toml', 'rb'))
paths = [f['path'] for f in m['files']]
assert len(paths) == len(set(paths)) == 4, paths
splits = sorted(f['split'] for f in m['files'])
assert splits.count('valid') >= 1 and splits.count('test') >= 1 and splits.count('train') >= 1, splits
assert m['splits']['valid']['pieces'] + m['splits']['test']['pieces'] + m['splits']['train']['pieces'] == 4
"

mkdir -p "$tmp/two/Bach"
cp "$data/mini_corpus/Bach/"*.mid "$tmp/two/Bach/"
"$clara" encode --corpus "$tmp/two" --out "$tmp/two-data" > /dev/null 2> "$tmp/two.err"
check "two pieces: encode exits 0" test $? -eq 0
check "two pieces: one trains, one validates" \
  bash -c "[ \"\$(grep -c . '$tmp/two-data/valid.txt')\" -eq 1 ] && [ \"\$(grep -c . '$tmp/two-data/train.txt')\" -eq 12 ]"
check "two pieces: a warning names the count and the empty test split" \
  grep -q "warning: 2 pieces: none for test (needs 3 or more)" "$tmp/two.err"

"$clara" train --data "$tmp/data" --preset tiny --out "$tmp/m" --bs 4 --bptt 40 --epochs 1 --stages 1 \
  --max-iterations 20 --no-baseline --quiet > "$tmp/train.log" 2>&1
check "train exits 0" test $? -eq 0
check "train reports a finite valid loss" bash -c "grep -q 'valid loss [0-9]' '$tmp/train.log' && ! grep -qi nan '$tmp/train.log'"
check "the card has no nan" bash -c "! grep -qi nan '$tmp/m/model.toml'"
check "the card records the valid loss" grep -q "^valid_loss = [0-9]" "$tmp/m/model.toml"

# One piece: nothing to validate on. The card leaves the loss out instead of writing nan.
mkdir -p "$tmp/one/Bach"
cp "$data/mini_corpus/Bach/BWV-510.mid" "$tmp/one/Bach/"
"$clara" encode --corpus "$tmp/one" --out "$tmp/one-data" > /dev/null 2> "$tmp/one.err"
check "one piece: the warning says so" grep -q "warning: 1 piece: none for valid" "$tmp/one.err"
"$clara" train --data "$tmp/one-data" --preset tiny --out "$tmp/m1" --bs 4 --bptt 40 --epochs 1 --stages 1 \
  --max-iterations 5 --no-baseline --quiet > "$tmp/train1.log" 2>&1
check "one piece: train exits 0" test $? -eq 0
check "one piece: train says there is no valid loss, not nan" \
  bash -c "grep -q 'no valid loss' '$tmp/train1.log' && ! grep -qi nan '$tmp/train1.log'"
check "one piece: the card has no nan and no valid_loss" \
  bash -c "! grep -qi nan '$tmp/m1/model.toml' && ! grep -q valid_loss '$tmp/m1/model.toml'"
check "one piece: the model still loads" \
  bash -c "'$clara' generate --model '$tmp/m1' --length 20 --out '$tmp/one.mid' > /dev/null"
exit $fail
