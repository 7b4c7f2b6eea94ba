# Sourced by tests/cli/*_test.sh after they read their arguments: a scratch folder removed at exit,
# and the checks every CLI test counts with (the test exits with $fail at its end).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() {  # check DESCRIPTION CONDITION...
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}
rc_of() { "$@" >/dev/null 2>&1; echo $?; }  # a command's exit code, its output dropped
# model_without_manifest SRC DEST: a copy of model folder SRC without its data-manifest.toml (which
# names ../shared's corpus), sums rewritten: its held-out pieces are then the split encode makes
# of the corpus a test gives.
model_without_manifest() {
  mkdir -p "$2"
  for f in "$1"/*; do [ "$(basename "$f")" = data-manifest.toml ] || cp "$f" "$2/"; done
  (cd "$2" && sha256sum $(ls | grep -v '^SHA256SUMS$') > SHA256SUMS)
}
