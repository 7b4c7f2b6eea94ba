#!/usr/bin/env bash
# clara plot driven as a user would: piano rolls of MIDI and token files, training curves, in PNG
# and SVG, read back with Python's standard library; every error's exit code and message checked.
set -uo pipefail
clara=$1
data=$2
source "$(dirname "$0")/lib.sh"
# Debian's interpreter (the python3 first on PATH may be another); standard library only here.
PY=/usr/bin/python3
piece=$data/mini_corpus/Bach/BWV-510.mid

# PNG: a real PNG of the size the command reports.
"$clara" plot "$piece" --out "$tmp/roll.png" > "$tmp/png.log"
check "plot MIDI -> PNG exits 0" test $? -eq 0
check "plot reports parts, notes and size" grep -qE "2 parts, 107 notes, .* -> .*roll.png \([0-9]+x[0-9]+\)" "$tmp/png.log"
size=$(sed -n 's/.*(\([0-9]*x[0-9]*\))$/\1/p' "$tmp/png.log")
check "the PNG's header says $size" "$PY" -c "
import struct, sys
b = open('$tmp/roll.png', 'rb').read()
assert b[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
w, h = struct.unpack('>II', b[16:24])
sys.exit(0 if '%dx%d' % (w, h) == '$size' else 1)"

# SVG: well-formed XML with an svg root.
"$clara" plot "$piece" --out "$tmp/roll.svg" --title "BWV 510 <test> & co" > /dev/null
check "plot MIDI -> SVG exits 0" test $? -eq 0
check "the SVG parses as XML with an <svg> root" "$PY" -c "
import xml.etree.ElementTree as E
r = E.parse('$tmp/roll.svg').getroot()
assert r.tag == '{http://www.w3.org/2000/svg}svg', r.tag"

# Tokens are decoded first: notewise from stdin, chamber from a file (two instruments).
"$clara" encode "$piece" | "$clara" plot - --out "$tmp/tokens.png" > "$tmp/tokens.log"
check "plot of notewise tokens from stdin has the piece's 107 notes" grep -q "107 notes" "$tmp/tokens.log"
"$clara" encode "$data/bach_bwv1087_canon1.mid" --encoding chamber > "$tmp/chamber.txt"
"$clara" plot "$tmp/chamber.txt" --out "$tmp/chamber.png" > "$tmp/chamber.log"
check "plot of chamber tokens: two parts" grep -q "(2 parts, 48 notes" "$tmp/chamber.log"

# Training curves from the trainer's log format.
cat > "$tmp/log.csv" <<'CSV'
epoch,iter,tokens_seen,train_loss,val_loss,val_acc,lr,seconds
0.5,10,12800,3.1,,,0.001,1.5
1,20,25600,2.7,2.8,0.31,0.0005,3.2
CSV
"$clara" plot --train-log "$tmp/log.csv" --out "$tmp/curves.png" > "$tmp/curves.log"
check "plot --train-log exits 0 and counts the rows" grep -q "(2 rows) -> " "$tmp/curves.log"
check "the curves are a PNG" "$PY" -c "import sys; sys.exit(open('$tmp/curves.png','rb').read(4) != b'\x89PNG')"
"$clara" plot --train-log "$tmp/log.csv" --out "$tmp/curves.svg" > /dev/null
check "curves as SVG parse" "$PY" -c "import xml.etree.ElementTree as E; E.parse('$tmp/curves.svg')"

# Errors: exit code and a message naming the file.
expect() {  # expect CODE PATTERN DESCRIPTION -- ARGS...
  local code=$1 pattern=$2 what=$3; shift 4
  local rc=0
  "$clara" "$@" > /dev/null 2> "$tmp/err" || rc=$?
  if [ "$rc" -eq "$code" ] && grep -qE -- "$pattern" "$tmp/err"; then echo "ok   $what"
  else echo "FAIL $what (exit $rc, stderr: $(cat "$tmp/err"))"; fail=1; fi
}
expect 66 "nowhere.mid: no such file" "missing piece: 66, named" -- plot "$tmp/nowhere.mid" --out "$tmp/x.png"
expect 65 "truncated.mid: byte [0-9]+: " "malformed MIDI: 65, file and byte named" -- \
  plot "$data/mini_corpus/Broken/truncated.mid" --out "$tmp/x.png"
expect 64 "x.jpg': the picture's format comes from its extension, .png or .svg" "unknown picture extension: 64" -- plot "$piece" --out "$tmp/x.jpg"
expect 64 "not both" "a piece and a log: 64" -- plot "$piece" --train-log "$tmp/log.csv" --out "$tmp/x.png"
expect 64 "give a piece" "nothing to plot: 64" -- plot --out "$tmp/x.png"
expect 66 "nolog.csv: no such file" "missing log: 66, named" -- plot --train-log "$tmp/nolog.csv" --out "$tmp/x.png"
printf 'epoch,train_loss\n1,2.5\n2,oops\n' > "$tmp/bad.csv"
expect 65 "bad.csv:3: column train_loss: 'oops' is not a number" "malformed log: 65, line and column named" -- \
  plot --train-log "$tmp/bad.csv" --out "$tmp/x.png"
expect 65 "BWV-510.mid: byte 4 is NUL" "a binary file as a log: 65" -- plot --train-log "$piece" --out "$tmp/x.png"
expect 73 "nodir/x.png: cannot create" "unwritable output: 73" -- plot "$piece" --out "$tmp/nodir/x.png"
check "no picture left behind by the failures" test ! -e "$tmp/x.png"

exit $fail
