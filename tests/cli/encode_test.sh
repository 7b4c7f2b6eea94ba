#!/usr/bin/env bash
# clara encode / decode / stats / demo driven as a user would: real binary,
# real files, exit codes checked.
set -uo pipefail
clara=$1
data=$2
source "$(dirname "$0")/lib.sh"

piece=$data/mini_corpus/Bach/BWV-510.mid

# One file to stdout.
"$clara" encode "$piece" > "$tmp/one.txt"
check "single-file encode exits 0" test $? -eq 0
check "single file gives one line of notewise tokens" \
  bash -c "[ \$(wc -l < '$tmp/one.txt') -eq 1 ] && grep -qE '^p[0-9]+ ' '$tmp/one.txt' && grep -q ' wait' '$tmp/one.txt'"

# Pipe: encode | decode -, then re-encode: a score-grid piece comes back token for token.
"$clara" encode "$piece" | "$clara" decode - --out "$tmp/rt.mid" --tempo 90 > "$tmp/decode.log"
check "decode from stdin writes a MIDI file" test -s "$tmp/rt.mid"
check "decode reports notes and tempo" grep -q "notes.*at 90 bpm" "$tmp/decode.log"
"$clara" encode "$tmp/rt.mid" > "$tmp/two.txt"
check "encode -> decode -> encode is the identity on tokens" cmp -s "$tmp/one.txt" "$tmp/two.txt"

# Other encodings, single file.
"$clara" encode "$piece" --encoding chordwise > "$tmp/chord.txt"
check "chordwise encode exits 0" test $? -eq 0
# At least one chord token, and no token of another shape (an empty file has no token to be wrong).
check "chordwise tokens are prefix + 62 onset/rest characters" \
  bash -c "tr ' ' '\n' < '$tmp/chord.txt' | grep -v '^$' > '$tmp/chord.tokens'; [ -s '$tmp/chord.tokens' ] &&
           grep -qE '^p[01a-zA-Z]{62}$' '$tmp/chord.tokens' && ! grep -vqE '^p[01a-zA-Z]{62}$' '$tmp/chord.tokens'"
"$clara" decode "$tmp/chord.txt" --out "$tmp/chord.mid" > /dev/null
check "chordwise tokens are recognised and decoded without flags" test -s "$tmp/chord.mid"
"$clara" encode "$data/bach_bwv1087_canon1.mid" --encoding chamber > "$tmp/chamber.txt"
check "chamber encoding of a string piece has solo (v) and piano (p) tokens" \
  bash -c "grep -qE '(^| )v[0-9]+ ' '$tmp/chamber.txt' && grep -qE '(^| )p[0-9]+ ' '$tmp/chamber.txt'"

"$clara" encode --corpus "$data/mini_corpus" --encoding chordwise --out "$tmp/cw1" > /dev/null 2>&1
"$clara" encode --corpus "$data/mini_corpus" --encoding chordwise --min-count 3 --out "$tmp/cw3" > /dev/null 2>&1
check "chordwise --min-count shrinks the vocabulary" \
  test "$(wc -l < "$tmp/cw3/vocab.txt")" -lt "$(wc -l < "$tmp/cw1/vocab.txt")"
"$clara" stats "$tmp/cw3" > "$tmp/cw3.stats"
check "stats of the chordwise corpus exits 0" test $? -eq 0
check "stats counts rare chords as outside the vocabulary, usage stays within 100%" \
  bash -c "grep -qE '^train.txt: .*\(using [0-9.]+% .* [1-9][0-9]* tokens not in the vocabulary' '$tmp/cw3.stats' &&
           ! grep -qE 'using [0-9]{4,}|using (10[1-9]|1[1-9][0-9]|[2-9][0-9]{2})\.' '$tmp/cw3.stats'"

# A corpus with one broken file: reported, skipped, the run goes on.
"$clara" encode --corpus "$data/mini_corpus" --out "$tmp/corpus" --valid 0 --test 0.25 > "$tmp/corpus.log" 2> "$tmp/corpus.err"
check "corpus encode exits 0 despite a broken file" test $? -eq 0
check "summary names the skipped file and the byte offset" grep -qE "Broken/truncated.mid: byte [0-9]+" "$tmp/corpus.log"
for f in train.txt valid.txt test.txt vocab.txt manifest.toml; do
  check "corpus output has $f" test -e "$tmp/corpus/$f"
done
check "vocabulary: 3 specials + 62 onsets + 62 ends + 25 waits" test "$(wc -l < "$tmp/corpus/vocab.txt")" -eq 152
train_pieces=$(grep -c 'split = .train.' "$tmp/corpus/manifest.toml")
check "every training piece is written in 12 keys" test "$(wc -l < "$tmp/corpus/train.txt")" -eq $((12 * train_pieces))
check "test split stays in the original key, one line a piece" \
  test "$(wc -l < "$tmp/corpus/test.txt")" -eq "$(grep -c 'split = .test.' "$tmp/corpus/manifest.toml")"
check "manifest has the sha256 of each input" \
  grep -q "sha256 = '$(sha256sum "$piece" | cut -d' ' -f1)'" "$tmp/corpus/manifest.toml"
check "manifest labels composers from folder names" grep -q "composer = 'Czerny'" "$tmp/corpus/manifest.toml"
check "manifest lists the skipped file" grep -q "Broken/truncated.mid" "$tmp/corpus/manifest.toml"
check "plain progress lines when stderr is not a terminal" grep -q "encode: 100% 5/5 files" "$tmp/corpus.err"
"$clara" encode --corpus "$data/mini_corpus" --out "$tmp/corpus2" --valid 0 --test 0.25 > /dev/null 2>&1
check "the same seed gives byte-identical output" cmp -s "$tmp/corpus/train.txt" "$tmp/corpus2/train.txt"

# Licences come from a SOURCES.tsv beside the corpus (as ../shared/corpus has).
cp -r "$data/mini_corpus" "$tmp/licensed"
printf 'path\tsource_repo\tlicense\tattribution\nBach/BWV-510.mid\tMutopiaProject/MutopiaProject\tPublic Domain\tMutopia Project, typeset by S. McDougall\n' > "$tmp/licensed/SOURCES.tsv"
"$clara" encode --corpus "$tmp/licensed" --out "$tmp/licensed_out" > /dev/null 2>&1
check "manifest sums up licences from SOURCES.tsv" \
  grep -q "^license = 'Public Domain (1 files); unknown (3 files)'" "$tmp/licensed_out/manifest.toml"
check "manifest carries the attribution" \
  grep -q "^attribution = 'Mutopia Project, typeset by S. McDougall'" "$tmp/licensed_out/manifest.toml"

"$clara" stats "$tmp/corpus" > "$tmp/stats.log"
stats_rc=$?
check "stats exits 0 and reports each split" \
  bash -c "[ $stats_rc -eq 0 ] && grep -q '^train.txt: .* tokens, .* notes' '$tmp/stats.log' && grep -q 'skipped' '$tmp/stats.log'"
"$clara" decode "$tmp/corpus/train.txt" --line 2 --out "$tmp/line1.mid" > /dev/null
check "decode --line picks one piece using the manifest's spec" test -s "$tmp/line1.mid"

# Exit codes.
check "missing input -> 66" test "$(rc_of "$clara" encode "$tmp/nope.mid")" -eq 66
check "corrupt MIDI -> 65" test "$(rc_of "$clara" encode "$data/mini_corpus/Broken/truncated.mid")" -eq 65
check "unknown option -> 64" test "$(rc_of "$clara" encode "$piece" --frobnicate)" -eq 64
check "bad sample frequency -> 64" test "$(rc_of "$clara" encode "$piece" --sample-freq 0)" -eq 64
check "unknown encoding -> 64" test "$(rc_of "$clara" encode "$piece" --encoding morse)" -eq 64
check "unknown command -> 64" test "$(rc_of "$clara" frobnicate)" -eq 64
printf 'hello world\n' > "$tmp/junk.txt"
check "undecodable tokens -> 65" test "$(rc_of "$clara" decode "$tmp/junk.txt" --out "$tmp/j.mid")" -eq 65
for c in encode decode stats demo; do
  check "clara $c --help exits 0" test "$(rc_of "$clara" $c --help)" -eq 0
done
check "unknown flag -> 64" test "$(rc_of "$clara" encode --no-such-flag)" -eq 64
check "clara encode -h exits 0" test "$(rc_of "$clara" encode -h)" -eq 0
"$clara" encode --help > "$tmp/encode_help.txt" 2>&1
help_rc=$?
check "clara encode --help exits 0 and lists its options" \
  bash -c "[ $help_rc -eq 0 ] && grep -q -- '--corpus' '$tmp/encode_help.txt' && grep -q -- '--sample-freq' '$tmp/encode_help.txt'"
"$clara" --help > "$tmp/help.txt"
check "clara --help lists the exit codes" grep -q "64 usage" "$tmp/help.txt"
# The version has one home: project(... VERSION x.y.z ...) in the top CMakeLists.txt.
version=$(sed -nE 's/^project\([^)]*VERSION ([0-9][0-9.]*).*/\1/p' "$(dirname "$0")/../../CMakeLists.txt")
check "clara --version prints the CMake project version ($version)" \
  test -n "$version" -a "$("$clara" --version)" = "clara $version"
"$clara" encode "$piece" --encoding=chordwise > "$tmp/chord_eq.txt"
check "--flag=value is the same as --flag value" cmp -s "$tmp/chord.txt" "$tmp/chord_eq.txt"

(cd "$tmp" && "$clara" demo --offline > demo.log)
check "demo round-trips the shipped sample" grep -q "round trip exact" "$tmp/demo.log"
check "demo writes its MIDI file" test -s "$tmp/demo-roundtrip.mid"
exit $fail
