# The man pages the build makes (man/CMakeLists.txt) render without a warning at 80 columns and
# say what they must: clara(1) and clarad(8) their options (from --help) and the hand-written
# sections, clarad.toml(5) every key of config/clarad.toml.
# Usage: bash man_pages_test.sh MAN_BUILD_DIR SOURCE_DIR [with-clarad]
set -euo pipefail
DIR=${1:?usage: bash man_pages_test.sh MAN_BUILD_DIR SOURCE_DIR [with-clarad]}
SRC=${2:?usage}
WITH_CLARAD=${3:-}
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
command -v man >/dev/null || { echo "SKIP: man (man-db) is not installed"; exit 77; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/clara-man.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

pages=(clara.1 clarad.toml.5)
[ -n "$WITH_CLARAD" ] && pages+=(clarad.8)
for page in "${pages[@]}"; do
  f=$DIR/$page
  [ -s "$f" ] || { fail "$f was not built (help2man missing? tools/setup.sh installs it)"; continue; }
  # col -b: plain text, whatever overstriking man leaves in for bold and underline.
  MANWIDTH=80 man --warnings -l "$f" 2>"$WORK/$page.err" | col -bx >"$WORK/$page.txt" || fail "man -l $page: exit $?"
  [ -s "$WORK/$page.err" ] && fail "man --warnings -l $page: $(head -n 5 "$WORK/$page.err")"
  groff -man -Tutf8 -ww -z "$f" 2>"$WORK/$page.groff" || fail "groff $page: exit $?"
  [ -s "$WORK/$page.groff" ] && fail "groff -ww $page: $(head -n 5 "$WORK/$page.groff")"
  for section in NAME SYNOPSIS DESCRIPTION "SEE ALSO"; do
    grep -q "^$section" "$WORK/$page.txt" || fail "$page has no $section section"
  done
  echo "ok   $page: $(wc -l <"$WORK/$page.txt") lines at 80 columns, no warning"
done

need() {  # PAGE TEXT...: as words, wherever man wrapped or justified the line
  local page=$1 t
  shift
  [ -f "$WORK/$page.txt" ] || return 0
  tr -s ' \n' '  ' <"$WORK/$page.txt" >"$WORK/$page.flat"
  for t in "$@"; do grep -qF -- "$t" "$WORK/$page.flat" || fail "$page does not mention '$t'"; done
}
need clara.1 "clara 0" demo generate ctl CLARA_DATA_DIR /usr/local/share/clara/models
need clarad.8 --config --print-config --allow-root SIGHUP SIGTERM CLARA_DATA_DIR /etc/clara/clarad.toml "Exit codes"
need clarad.toml.5 RELOADING "needs a restart" "[[midi.output]]" "[[route]]" "[[cc]]"
# Every key of the shipped file, and its default as written there.
if [ -f "$WORK/clarad.toml.5.txt" ]; then
  keys=0
  while IFS= read -r line; do
    key=${line%%=*}
    key=${key// /}
    need clarad.toml.5 "$key = "
    keys=$((keys + 1))
  done < <(grep -E '^[a-z_]+ *= ' "$SRC/config/clarad.toml")
  echo "ok   clarad.toml.5: the $keys keys of config/clarad.toml"
fi
[ "$fails" -eq 0 ] || exit 1
echo "PASS"
