# Bad input never crashes clarad: a corrupt model, an unknown config key and a missing JACK server each
# end it with a message naming what is wrong and a sysexits code.
source "$(dirname "$0")/lib.sh" "$@"

MODEL=$SRC/models/notewise-piano

# run_clarad TAG ARGS...: clarad in the foreground (60 s at most); sets RC, output in $WORK/TAG.err.
run_clarad() {
  local tag=$1
  shift
  RC=0
  timeout 60 "$CLARAD" "${ALLOW_ROOT[@]}" --no-osc "$@" >"$WORK/$tag.out" 2>"$WORK/$tag.err" || RC=$?
  [ "$RC" -ne 124 ] || fail "$tag: clarad still running after 60 s"
  # 128+N is death by signal N: a crash, never an answer to bad input.
  [ "$RC" -lt 128 ] || fail "$tag: clarad died of signal $((RC - 128)): $(cat "$WORK/$tag.err")"
  ! grep -q '^clarad: ready' "$WORK/$tag.err" || fail "$tag: clarad went live on bad input"
  note "$tag: exit $RC: $(head -c 400 "$WORK/$tag.err")"
}
expect_in() {  # TAG WHAT PATTERN: the message must contain PATTERN (fixed string, any case)
  grep -qiF -- "$3" "$WORK/$1.err" || fail "$1: the message does not name $2 ('$3'): $(cat "$WORK/$1.err")"
}

start_jackd  # so the model and config failures are not about JACK

# A model folder whose weights.pt has one byte flipped: its SHA256SUMS no longer matches.
cp -r "$MODEL" "$WORK/corrupt-model"
"$PY" - "$WORK/corrupt-model/weights.pt" <<'EOF'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(4096)
    b = f.read(1)
    f.seek(4096)
    f.write(bytes([b[0] ^ 0x5A]))
EOF
run_clarad corrupt --model "$WORK/corrupt-model" --no-record
[ "$RC" -ne 0 ] || fail "corrupt: clarad accepted a model whose weights.pt does not match its checksum"
expect_in corrupt "the file" "weights.pt"
grep -qiE 'sha256|checksum' "$WORK/corrupt.err" || fail "corrupt: the message does not mention the checksum: $(cat "$WORK/corrupt.err")"

# A config file with a key the schema does not have.
cat >"$WORK/typo.toml" <<'EOF'
[duet]
mode = "answer"
tempo_bpm = 100
EOF
run_clarad config --config "$WORK/typo.toml" --no-record
[ "$RC" -eq 78 ] || fail "config: exit $RC, expected 78 (EX_CONFIG) for an unknown key in a config file"
expect_in config "the file" "$WORK/typo.toml"
expect_in config "the key" "tempo_bpm"

# No JACK server of that name.
missing="clara-it-missing-$$"
run_clarad nojack --jack-server "$missing" --model "$MODEL" --no-record
[ "$RC" -eq 69 ] || fail "nojack: exit $RC, expected 69 (EX_UNAVAILABLE) without a JACK server"
expect_in nojack "the server" "$missing"
expect_in nojack "JACK" "jack"
echo "PASS"
